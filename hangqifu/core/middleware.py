from .context import current_ip


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(request.META.get("REMOTE_ADDR"))
        try:
            response = self.get_response(request)
        finally:
            current_ip.reset(token)
        if (response.status_code == 404 and request.path.startswith("/api/")
                and response.get("Content-Type", "").startswith("text/html")):
            # A URL no API route matches (e.g. a non-numeric id) answers in the API's error format, not HTML.
            from django.http import JsonResponse

            return JsonResponse({"code": "not_found", "detail": "接口或对象不存在", "fields": {}}, status=404)
        return response

    def process_exception(self, request, exception):
        """A page view that lets a domain NotFound / NotPermitted escape (e.g. from a selector shared with the
        API) answers 404 / 403 like the API does — never a 500. DRF views render them before this point."""
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        from .errors import NotFound, NotPermitted

        if isinstance(exception, NotFound):
            raise Http404(exception.detail)
        if isinstance(exception, NotPermitted):
            raise PermissionDenied(exception.detail)
        return None
