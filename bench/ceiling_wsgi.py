"""What this machine can serve at all, under the claim rush's own gunicorn, settings and wrk: three endpoints that
do none of the claim's work, for the ceilings in bench/claim_rush.py. Bench only: the portal's URLconf never
has these routes; gunicorn loads this module instead of hangqifu.wsgi for the ceiling runs.

- /ceiling/wsgi/   a bare WSGI answer: gunicorn, the sockets and wrk, no Django;
- /ceiling/django/ a Django view behind the portal's whole middleware stack, answering 201;
- /ceiling/drf/    a DRF view with the portal's default authentication (token), permission and throttles —
                   everything an API claim does before and after the claim service itself."""
from django.core.wsgi import get_wsgi_application

django_application = get_wsgi_application()

from django.http import JsonResponse  # noqa: E402  (needs the app registry set up above)
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from hangqifu import urls  # noqa: E402


class NoClaim(APIView):
    def post(self, request, *args, **kwargs):
        return Response({"user": request.user.pk}, status=201)


@csrf_exempt
def no_claim(request):
    return JsonResponse({"ok": True}, status=201)


urls.urlpatterns[:0] = [path("ceiling/drf/", NoClaim.as_view()), path("ceiling/django/", no_claim)]

WSGI_BODY = b'{"ok": true}'


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/ceiling/wsgi/":
        environ["wsgi.input"].read()
        start_response("201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(WSGI_BODY)))])
        return [WSGI_BODY]
    return django_application(environ, start_response)
