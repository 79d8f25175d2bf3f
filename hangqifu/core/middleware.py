from .client_ip import client_ip
from .context import current_ip
from .errors import NotFound, NotPermitted


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
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

        if isinstance(exception, NotFound):
            raise Http404(exception.detail)
        if isinstance(exception, NotPermitted):
            raise PermissionDenied(exception.detail)
        if database_unavailable(exception):
            return unavailable_response(request)
        return None


DATABASE_DOWN = "数据库暂时不可用，请稍后重试。如刚提交过操作，请先刷新确认其结果再重试。"


def database_unavailable(exception) -> bool:
    """The database is away (restart, crash recovery, network): the connection failed or broke mid-request —
    no SQLSTATE, class 08 (connection exception) or 57P0x (shutdown, crash, starting up). Deadlocks and
    serialisation failures (40xxx, also OperationalError) are not this: they stay 500s the checks count."""
    from django.db import InterfaceError, OperationalError

    if isinstance(exception, InterfaceError):
        return True
    code = getattr(exception.__cause__, "pgcode", None)
    return isinstance(exception, OperationalError) and (code is None or code.startswith(("08", "57P")))


def unavailable_response(request):
    """503 with Retry-After instead of a 500 traceback: the API's error format under /api/, a short page else."""
    from django.http import HttpResponse, JsonResponse

    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "service_unavailable", "detail": DATABASE_DOWN, "fields": {}}, status=503)
    else:
        response = HttpResponse(f"<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>服务暂时不可用</title>"
                                f"<h1>服务暂时不可用</h1><p>{DATABASE_DOWN}</p></html>", status=503)
    response["Retry-After"] = "5"
    return response
