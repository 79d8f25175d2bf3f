import functools

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from .middleware import database_unavailable, unavailable_response
from .pending import pending_for


def landing(request):
    return render(request, "core/landing.html")


@login_required
def home(request):
    return render(request, "core/home.html", {"pending": pending_for(request.user)})


def _outage_answers_503(error_view):
    """The 403 and 404 pages render the base template, whose context processors read the database (session,
    user, menu): while the database is away that would turn them into a 500. Answer the outage's 503 instead,
    as every other page does (RequestContextMiddleware)."""
    @functools.wraps(error_view)
    def view(request, *args, **kwargs):
        try:
            return error_view(request, *args, **kwargs)
        except Exception as exc:
            if database_unavailable(exc):
                return unavailable_response(request)
            raise

    return view


@_outage_answers_503
def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


@_outage_answers_503
def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_500(request):
    # No context processors: the failure may be the database they read.
    return HttpResponseServerError(loader.render_to_string("errors/500.html"))


def healthz(request):
    """Liveness for the container healthcheck: the database answers."""
    from django.db import connection
    from django.http import JsonResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
