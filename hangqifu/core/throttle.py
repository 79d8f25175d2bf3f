"""Rate limits for the server-rendered forms an attacker would hammer (login, sign-up, password, second
factor, anonymous complaints and objections): the same DRF throttle and rates (`DEFAULT_THROTTLE_RATES`) as
the API, keyed by the client address (behind the trusted proxy, see client_ip), counted on POST only."""
import functools
import math

from django.shortcuts import render
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle


class FormThrottle(SimpleRateThrottle):
    def __init__(self, scope: str):
        self.scope = scope
        super().__init__()

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": f"form-{self.scope}", "ident": self.get_ident(request)}


def throttle_posts(scope: str):
    """Decorate a page view: its POSTs beyond the scope's rate answer 429 with a Chinese page."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                throttle = FormThrottle(scope)
                if not throttle.allow_request(request, None):
                    wait = math.ceil(throttle.wait() or 60)
                    response = render(request, "errors/429.html", {"wait": wait}, status=429)
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)
        return wrapped
    return decorator


class PublicFormThrottle(ScopedRateThrottle):
    """API twin of the page throttle: the POSTs of a view whose `throttle_scope` is `public_form`
    (anonymous complaints, objections), per client address; reading the same endpoint is not limited."""

    def allow_request(self, request, view):
        if request.method != "POST":
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
