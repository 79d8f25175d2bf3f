"""The audit browser: search the trail, one object's timeline, verify the chains."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hangqifu.accounts.permissions import staff_only
from hangqifu.audit import selectors

from . import verification
from .forms import AuditSearchForm


@login_required
def timeline(request, object_type: str, object_id: str):
    """Every audit event of one object, oldest first."""
    staff_only(request)
    events = selectors.timeline_for(object_type=object_type, object_id=object_id)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "audit/timeline.html", {"page": page, "object_type": object_type, "object_id": object_id})


@login_required
def event_list(request):
    staff_only(request)
    form = AuditSearchForm(request.GET or None)
    events = None
    if form.is_bound and form.is_valid():
        events = selectors.audit_event_search(**form.cleaned_data)
    elif not form.is_bound:
        events = selectors.audit_event_search()
    page = Paginator(events, 50).get_page(request.GET.get("page")) if events is not None else None
    return render(request, "audit/event_list.html", {"form": form, "page": page,
                                                     "last_check": selectors.chain_check_last()})


@require_POST
@login_required
def chain_verify(request):
    staff_only(request)
    check = verification.chain_check_run(actor=request.user)
    if check.ok:
        messages.success(request, f"审计链完整：共 {check.events_checked} 条事件")
    else:
        messages.error(request, f"审计链在事件 #{check.broken_event_id} 处校验失败（此前 {check.events_checked} 条正常）："
                                f"{'；'.join(check.problems)}")
    return redirect("audit:event-list")
