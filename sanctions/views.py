"""Sanction pages: the bureau's decisions (第二十条) and an organisation's own credit file."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hangqifu.accounts.permissions import staff_only
from hangqifu.core.errors import DomainError
from hangqifu.core.outcome import page_outcome
from hangqifu.policy.services import policy_for
from hangqifu.workflows.transitions import available_actions

from . import selectors
from . import services as sanctions
from .forms import LiftForm, SanctionForm
from .permissions import can_sanction


@login_required
def sanction_list(request):
    staff_only(request)
    form = None
    if can_sanction(request.user):
        form = SanctionForm(request.POST or None, initial={"ban_years": policy_for().sanction_ban_years,
                                                          "organisation": request.GET.get("organisation")})
        if request.method == "POST" and form.is_valid():
            try:
                sanction = sanctions.sanction_impose(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.detail)
                for field, errors in exc.fields.items():
                    if field in form.fields:
                        form.add_error(field, errors)
            else:
                messages.success(request, f"已作出处理决定：{sanction}")
                return redirect("audit:sanction-list")
    elif request.method == "POST":
        raise PermissionDenied
    page = Paginator(selectors.sanction_list(), 30).get_page(request.GET.get("page"))
    for sanction in page:
        sanction.actions = available_actions(sanction, request.user)
    return render(request, "sanctions/sanction_list.html", {"page": page, "form": form, "lift_form": LiftForm()})


@require_POST
@login_required
def sanction_lift(request, pk: int):
    if not can_sanction(request.user):
        raise PermissionDenied
    sanction = get_object_or_404(selectors.sanction_list(), pk=pk)
    form = LiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, "必须填写撤销理由")
        return redirect("audit:sanction-list")
    with page_outcome(request, done="处理决定已撤销"):
        sanctions.sanction_lift(actor=request.user, sanction=sanction, reason=form.cleaned_data["reason"])
    return redirect("audit:sanction-list")


@login_required
def my_sanctions(request):
    """The organisation's own decisions and credit file (what the notification links to)."""
    organisation = request.user.organisation
    if organisation is None:
        raise PermissionDenied
    return render(request, "sanctions/my_sanctions.html", {
        "sanctions": selectors.sanctions_of(organisation=organisation),
        "credit_records": selectors.credit_records_of(organisation=organisation),
        "active": sanctions.active_sanction(organisation),
    })
