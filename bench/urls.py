"""The pages benchmark's URLconf (bench/settings.py only; production never loads it): the portal's own routes
plus the floor page, the cheapest page a signed-in user can be served — the portal's middleware, the session's
login, the base layout with its navigation, and one query of its own. Every measured page is expressed as a
multiple of the floor's p95 in the same run, so the target means the same on a fast or a slow day."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from hangqifu.accounts.models import User
from hangqifu.urls import handler403, handler404, handler500, urlpatterns as portal_urlpatterns  # noqa: F401


@login_required
def floor(request):
    # the one query: a single indexed row, as small as a query gets
    joined = User.objects.filter(pk=request.user.pk).values_list("date_joined", flat=True).first()
    return render(request, "bench/floor.html", {"joined": joined})


urlpatterns = [path("bench/floor/", floor, name="bench-floor"), *portal_urlpatterns]
