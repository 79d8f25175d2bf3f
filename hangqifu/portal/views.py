import functools

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from hangqifu.core import clock
from hangqifu.core.home import cards_for
from hangqifu.core.middleware import database_unavailable, unavailable_response
from hangqifu.core.pending import pending_for, work_queue
from hangqifu.policy.models import PolicyYear

from . import guides


def landing(request):
    return render(request, "core/landing.html")


@login_required
def home(request):
    """工作台: the figures the role lives by (home.py cards), the work waiting on the user (overdue first, then
    the longest waiting) and what waits on the other party, each with its next step."""
    today = clock.today()
    items = work_queue(pending_for(request.user), today)
    rows = [{"item": item, "age": item.age_days(today)} for item in items]
    return render(request, "core/home.html", {
        "cards": cards_for(request.user),
        "mine": [row for row in rows if row["item"].waiting_on == "me"],
        "others": [row for row in rows if row["item"].waiting_on != "me"],
        "server_now": clock.now(),
    })


def guide_list(request):
    return render(request, "core/guide_list.html", {"guides": guides.GUIDES})


def guide_detail(request, slug: str):
    guide = guides.guide_get(slug)
    if guide is None:
        raise Http404("办事指南不存在")
    policy = PolicyYear.objects.filter(year__lte=clock.current_year()).order_by("-year").first()
    parameters = guides.guide_parameters(policy)

    def text(value):
        return guides.render_text(value, parameters)

    return render(request, "core/guide.html", {
        "guide": guide, "policy_year": policy.year if policy else None,
        "audience": text(guide.audience), "conditions": [text(c) for c in guide.conditions],
        "materials": [text(m) for m in guide.materials], "steps": [text(s) for s in guide.steps],
        "time_limit": text(guide.time_limit), "result": text(guide.result),
    })


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
