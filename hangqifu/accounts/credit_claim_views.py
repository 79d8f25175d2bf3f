"""统一社会信用代码归属申诉: the public form (no account), the service center's queue and decision."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hangqifu.core.errors import DomainError
from hangqifu.core.outcome import add_domain_errors
from hangqifu.core.throttle import throttle_posts
from hangqifu.documents.selectors import documents_for

from . import credit_claims
from .forms import CreditClaimDecisionForm, CreditClaimForm
from .models import CreditCodeClaim
from .roles import Role


@throttle_posts("public_form")
def claim_new(request):
    form = CreditClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim = credit_claims.credit_claim_file(**form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            return render(request, "accounts/credit_claim_filed.html", {"claim": claim})
    return render(request, "accounts/credit_claim_new.html", {"form": form})


def _staff_only(user):
    if not user.has_role(*credit_claims.DECIDER_ROLES, Role.BUREAU):
        raise PermissionDenied


@login_required
def claim_list(request):
    _staff_only(request.user)
    rows = CreditCodeClaim.objects.select_related("holder", "decided_by").order_by("state", "-filed_at")
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "accounts/credit_claim_list.html", {"page": page})


@login_required
def claim_detail(request, pk: int):
    _staff_only(request.user)
    claim = get_object_or_404(CreditCodeClaim.objects.select_related("holder", "new_organisation"), pk=pk)
    return render(request, "accounts/credit_claim_detail.html",
                  {"claim": claim, "documents": documents_for(claim), "form": CreditClaimDecisionForm(),
                   "can_decide": request.user.has_role(*credit_claims.DECIDER_ROLES)})


@login_required
@require_POST
def claim_decide(request, pk: int, decision: str):
    _staff_only(request.user)  # who may not read the claims learns nothing of them, not even which exist
    form = CreditClaimDecisionForm(request.POST)
    action = {"transfer": credit_claims.credit_claim_transfer, "reject": credit_claims.credit_claim_reject}.get(decision)
    if action is None:
        raise PermissionDenied
    try:
        action(claim_id=pk, actor=request.user, note=form.data.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "已转移信用代码并为申诉单位开通账号" if decision == "transfer" else "已驳回申诉")
    return redirect("credit-claim-detail", pk)
