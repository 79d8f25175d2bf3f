from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services


@login_required
def inbox(request):
    page = Paginator(selectors.inbox_for(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@require_POST
@login_required
def mark_read(request):
    notification_id = request.POST.get("id")
    services.mark_read(user=request.user, notification_id=int(notification_id) if notification_id else None)
    return redirect("notifications:inbox")
