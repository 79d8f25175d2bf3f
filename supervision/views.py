"""Complaint pages: thin — parse, call one service or selector, render."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hangqifu.accounts.models import Organisation
from hangqifu.accounts.permissions import staff_only
from hangqifu.audit.labels import object_type_label
from hangqifu.core import clock
from hangqifu.core.outcome import form_submit, page_outcome
from hangqifu.core.throttle import throttle_posts
from sanctions import services as sanctions
from sanctions.permissions import can_sanction

from . import complaints, selectors
from .forms import AssignForm, ComplaintForm, FindingsForm, TrackForm
from .models import Complaint
from .permissions import can_handle_complaints


@throttle_posts("public_form")
def complaint_new(request):
    """Open to everyone (第十八条): the public give a name and contact, users are known."""
    initial = {"object_type": request.GET.get("object_type", ""), "object_id": request.GET.get("object_id", "")}
    form = ComplaintForm(request.POST or None, user=request.user, initial=initial)
    done, complaint = form_submit(request, form, complaints.complaint_file)
    if done:
        request.session["filed_complaint"] = complaint.pk
        return redirect("audit:complaint-filed")
    return render(request, "supervision/complaint_new.html",
                  {"form": form, "days": complaints.resolve_working_days()})


def complaint_filed(request):
    complaint = Complaint.objects.filter(pk=request.session.get("filed_complaint") or 0).first()
    if complaint is None:
        return redirect("audit:complaint-new")
    return render(request, "supervision/complaint_filed.html", {"complaint": complaint})


@throttle_posts("public_form")
def complaint_track(request):
    """The public follow their complaint with its number and the contact they gave (no account needed)."""
    form = TrackForm(request.POST or None)  # POST: the contact stays out of URLs and server logs
    complaint = None
    if request.method == "POST" and form.is_valid():
        complaint = complaints.complaint_track(**form.cleaned_data)
        if complaint is None:
            form.add_error(None, "未找到匹配的投诉，请核对投诉编号和联系方式")
    return render(request, "supervision/complaint_track.html", {"form": form, "complaint": complaint})


@login_required
def complaint_mine(request):
    page = Paginator(selectors.complaints_of(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "supervision/complaint_mine.html", {"page": page})


@login_required
def complaint_mine_detail(request, pk: int):
    complaint = selectors.complaints_of(user=request.user).filter(pk=pk).first()
    if complaint is None:
        raise Http404
    return render(request, "supervision/complaint_status.html", {"complaint": complaint})


@login_required
def complaint_list(request):
    staff_only(request)
    state = request.GET.get("state") or None
    if state not in {None, *Complaint.State.values}:
        state = None
    mine = request.GET.get("mine") == "1"
    queryset = selectors.complaint_list(state=state, overdue=request.GET.get("overdue") == "1",
                                        handler=request.user if mine else None)
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    return render(request, "supervision/complaint_list.html", {
        "page": page, "states": Complaint.State.choices, "state": state, "today": clock.today(),
    })


@login_required
def complaint_detail(request, pk: int):
    staff_only(request)
    complaint = get_object_or_404(selectors.complaint_list(), pk=pk)
    target = complaints.complaint_object(complaint)
    sanctionable = (can_sanction(request.user) and isinstance(target, Organisation)
                    and target.kind in sanctions.SANCTIONABLE_KINDS)
    return render(request, "supervision/complaint_detail.html", {
        "complaint": complaint, "target": target, "actions": complaints.complaint_actions(complaint, request.user),
        "sanctionable": sanctionable,
        "object_label": (complaints.OBJECT_TYPE_LABELS.get(complaint.object_type)
                         or object_type_label(complaint.object_type)),
        "overdue": complaint.is_overdue(), "findings_form": FindingsForm(), "assign_form": AssignForm(),
    })


_COMPLAINT_ACTIONS = {
    "start": (None, lambda actor, complaint, data: complaints.complaint_start_investigation(
        actor=actor, complaint=complaint), "已开始调查，由您承办"),
    "assign": (AssignForm, lambda actor, complaint, data: complaints.complaint_assign(
        actor=actor, complaint=complaint, handler=data["handler"]), "已转交"),
    "resolve": (FindingsForm, lambda actor, complaint, data: complaints.complaint_resolve(
        actor=actor, complaint=complaint, findings=data["findings"]), "投诉已办结，已通知投诉人"),
    "dismiss": (FindingsForm, lambda actor, complaint, data: complaints.complaint_dismiss(
        actor=actor, complaint=complaint, findings=data["findings"]), "投诉不予支持，已通知投诉人"),
}


@require_POST
@login_required
def complaint_act(request, pk: int, action: str):
    if not can_handle_complaints(request.user) or action not in _COMPLAINT_ACTIONS:
        raise PermissionDenied
    complaint = get_object_or_404(selectors.complaint_list(), pk=pk)
    form_class, service, done = _COMPLAINT_ACTIONS[action]
    data = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
            return redirect("audit:complaint-detail", pk=pk)
        data = form.cleaned_data
    with page_outcome(request, done=done):
        service(request.user, complaint, data)
    return redirect("audit:complaint-detail", pk=pk)
