from django.conf import settings

from hangqifu.core import clock
from hangqifu.notifications.selectors import unread_count

from .clock_controls import may_move_clock
from .menu import groups_for, links_for


def portal(request):
    context = {"business_now": clock.now(), "test_clock_enabled": clock.test_clock_enabled(),
               "unread_notifications": 0}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["unread_notifications"] = unread_count(user=user)
    context["may_move_clock"] = may_move_clock(user)
    context["nav_links"] = links_for(user)
    context["nav_groups"] = groups_for(user)
    context["debug"] = settings.DEBUG
    return context
