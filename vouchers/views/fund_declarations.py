"""Page: the bureau's two-person declaration that a year's fund is insufficient (第四条), showing what remains."""
from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hangqifu.core.errors import DomainError

from .. import permissions as perms
from ..models.fund_declarations import FundInsufficiencyDeclaration as Declaration
from ..models.funds import Fund
from ..forms import show_domain_error
from ..services import fund_declarations as services
from .funds import _staff_required


class ProposeForm(forms.Form):
    reason = forms.CharField(label="认定理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="例如：年度预算调减、剩余资金不足以支付一笔最低面额的抵扣等")


class DecisionForm(forms.Form):
    note = forms.CharField(label="意见", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


@_staff_required
def fund_insufficiency(request, year: int):
    fund = Fund.objects.filter(year=year).first()
    if fund is None:
        raise Http404
    form = ProposeForm(request.POST or None) if perms.is_bureau(request.user) else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.insufficiency_propose(actor=request.user, year=year, reason=form.cleaned_data["reason"])
            messages.success(request, "已提出资金总额不足认定，须由另一位市经信局人员确认后生效")
            return redirect("vouchers:fund-insufficiency", year=year)
        except DomainError as exc:
            show_domain_error(form, exc)
    declarations = list(Declaration.objects.filter(fund=fund).select_related("proposed_by", "decided_by"))
    for declaration in declarations:
        declaration.actions = [t for t in declaration.get_available_state_transitions()
                               if t.has_perm(declaration, request.user)]
    return render(request, "vouchers/money/fund_insufficiency.html", {
        "fund": fund, "standing": services.fund_standing(fund=fund), "form": form,
        "declarations": declarations, "decision_form": DecisionForm(),
        "open_declaration": next((d for d in declarations if d.state == Declaration.State.PROPOSED), None),
    })


@require_POST
@_staff_required
def fund_insufficiency_decide(request, pk: int, action: str):
    service = {"confirm": services.insufficiency_confirm, "withdraw": services.insufficiency_withdraw}.get(action)
    declaration = Declaration.objects.select_related("fund").filter(pk=pk).first()
    if service is None or declaration is None:
        raise Http404
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        result = service(actor=request.user, declaration_id=pk, note=note)
        messages.success(request, f"已确认资金总额不足：{result.voided_count} 张未使用的服务券"
                                  f"（余额 {result.voided_amount} 元）已作废" if action == "confirm" else "已撤回该认定")
    except DomainError as exc:
        messages.error(request, exc.message())
    return redirect("vouchers:fund-insufficiency", year=declaration.fund.year)
