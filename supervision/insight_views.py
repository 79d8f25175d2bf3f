"""Insight pages: fraud signals and their rules, money recovery, spot checks, the bureau dashboard, open data.
Thin: parse, call one service or selector, render."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hangqifu.accounts.permissions import staff_only
from hangqifu.accounts.predicates import is_staff
from hangqifu.core.errors import DomainError
from hangqifu.core.outcome import add_domain_errors, form_submit, page_outcome
from hangqifu.documents.models import Document
from hangqifu.documents.responses import download_response
from hangqifu.policy.services import policy_for
from hangqifu.workflows.transitions import action_offers, available_actions

from . import dashboard as dash
from . import fraud, open_data, recovery, spot_checks
from . import permissions as perms
from .insight_forms import CloseForm, FindingForm, FraudConfirmForm, RepaymentForm, SpotCheckForm
from .models import FraudSignal, Recovery, SpotCheck, SpotCheckItem

# --- fraud signals ------------------------------------------------------------------------------------------

def _subject_url(signal) -> str:
    from django.urls import reverse

    if signal.subject_type == FraudSignal.Subject.ORGANISATION:
        return reverse("audit:event-list") + f"?organisation={signal.subject_id}"
    return reverse("audit:timeline", args=[signal.subject_type, signal.subject_id])


@login_required
def signal_list(request):
    """The latest night's signals, ranked by score, with reasons."""
    staff_only(request)
    rule, subject_type = request.GET.get("rule", ""), request.GET.get("subject_type", "")
    page = Paginator(fraud.signal_list(rule=rule, subject_type=subject_type), 50).get_page(request.GET.get("page"))
    for signal in page:
        signal.url = _subject_url(signal)
    return render(request, "supervision/fraud_signals.html", {
        "page": page, "rules": FraudSignal.Rule.choices, "subjects": FraudSignal.Subject.choices, "rule": rule,
        "subject_type": subject_type, "day": fraud.latest_day()})


@login_required
def rule_list(request):
    staff_only(request)
    return render(request, "supervision/fraud_rules.html", {"rules": fraud.rule_docs(), "lookback": fraud.LOOKBACK_DAYS})


# --- recovery -----------------------------------------------------------------------------------------------

@login_required
def recovery_list(request):
    if request.user.organisation_id is None and not is_staff(request.user):
        raise PermissionDenied
    qs = recovery.recovery_list(user=request.user, state=request.GET.get("state", ""))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "supervision/recovery_list.html", {
        "page": page, "states": Recovery.State.choices, "state": request.GET.get("state", ""),
        "can_confirm": perms.can_confirm_fraud(request.user)})


@login_required
def fraud_confirm(request):
    if not perms.can_confirm_fraud(request.user):
        raise PermissionDenied
    form = FraudConfirmForm(request.POST or None, initial={"ban_years": policy_for().sanction_ban_years,
                                                          "organisation": request.GET.get("organisation")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = recovery.fraud_confirm(actor=request.user, organisation=data["organisation"], reason=data["reason"],
                                          order_ids=data["orders"], claim_ids=data["claims"],
                                          ban_years=data["ban_years"])
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, f"已认定违规并立案追回 {item.amount} 元，已作出禁止使用决定")
            return redirect("audit:recovery-detail", item.pk)
    return render(request, "supervision/fraud_confirm.html", {"form": form})


@login_required
def recovery_detail(request, pk: int):
    item = get_object_or_404(Recovery.objects.select_related("organisation", "sanction", "decided_by"), pk=pk)
    if not item.user_can_view(request.user):
        raise Http404
    can_record = "repay" in available_actions(item, request.user)
    form = RepaymentForm(request.POST or None) if can_record else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        done, _ = form_submit(request, form, recovery.repayment_record, recovery=item)
        if done:
            messages.success(request, "缴款已登记")
            return redirect("audit:recovery-detail", item.pk)
    lines = item.lines.select_related("order", "claim")
    return render(request, "supervision/recovery_detail.html", {
        "recovery": item, "lines": lines, "repayments": item.repayments.select_related("recorded_by"),
        "form": form, "staff": is_staff(request.user)})


# --- spot checks --------------------------------------------------------------------------------------------

@login_required
def spot_check_list(request):
    staff_only(request)
    form = SpotCheckForm(request.POST or None)
    done, check = form_submit(request, form, spot_checks.spot_check_create)
    if done:
        messages.success(request, f"已创建抽查 {check.number}，随机种子 {check.seed}")
        return redirect("audit:spot-check-detail", check.pk)
    page = Paginator(SpotCheck.objects.select_related("created_by"), 30).get_page(request.GET.get("page"))
    return render(request, "supervision/spot_check_list.html", {"page": page, "form": form})


def _check(request, pk) -> SpotCheck:
    staff_only(request)
    return get_object_or_404(SpotCheck.objects.select_related("created_by", "closed_by"), pk=pk)


@login_required
def spot_check_detail(request, pk: int):
    check = _check(request, pk)
    items = list(check.items.select_related("organisation", "checked_by"))
    from django.contrib.contenttypes.models import ContentType

    evidence: dict[str, list] = {}
    for document in Document.objects.filter(content_type=ContentType.objects.get_for_model(SpotCheckItem),
                                            object_id__in=[str(i.pk) for i in items]):
        evidence.setdefault(document.object_id, []).append(document)
    for item in items:
        item.evidence = evidence.get(str(item.pk), [])
    return render(request, "supervision/spot_check_detail.html", {
        "check": check, "items": items, "finding_form": FindingForm(), "close_form": CloseForm(),
        "report": spot_checks.report_document(check) if check.state == SpotCheck.State.CLOSED else None,
        "offers": action_offers(check, request.user)})


@require_POST
@login_required
def spot_check_draw(request, pk: int):
    check = _check(request, pk)
    with page_outcome(request, done="已按记录的随机种子抽取样本"):
        spot_checks.spot_check_draw(actor=request.user, check=check)
    return redirect("audit:spot-check-detail", check.pk)


@require_POST
@login_required
def spot_check_item(request, pk: int, item_pk: int):
    check = _check(request, pk)
    item = get_object_or_404(SpotCheckItem, pk=item_pk, spot_check=check)
    form = FindingForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择核查结果")
        return redirect("audit:spot-check-detail", check.pk)
    evidence = [form.cleaned_data["evidence"]] if form.cleaned_data.get("evidence") else []
    with page_outcome(request, done=f"已记录样本 {item.position} 的核查结果"):
        spot_checks.spot_check_item_record(actor=request.user, item=item, finding=form.cleaned_data["finding"],
                                           notes=form.cleaned_data["notes"], evidence=evidence)
    return redirect("audit:spot-check-detail", check.pk)


@require_POST
@login_required
def spot_check_close(request, pk: int):
    check = _check(request, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写核查结论")
        return redirect("audit:spot-check-detail", check.pk)
    with page_outcome(request, done="抽查已结案，报告已生成"):
        spot_checks.spot_check_close(actor=request.user, check=check, conclusion=form.cleaned_data["conclusion"])
    return redirect("audit:spot-check-detail", check.pk)


@login_required
def spot_check_report(request, pk: int):
    document = spot_checks.report_document(_check(request, pk))
    if document is None:
        raise Http404
    return download_response(document, user=request.user)


# --- dashboard ----------------------------------------------------------------------------------------------

def _range(request):
    return dash.parse_range(request.GET.get("start"), request.GET.get("end"))


@login_required
def dashboard(request):
    staff_only(request)
    try:
        start, end = _range(request)
    except DomainError as exc:
        start, end = dash.parse_range(None, None)
        return render(request, "supervision/dashboard.html", {"error": exc.detail, "start": start, "end": end,
                                                        "raw_start": request.GET.get("start", ""),
                                                        "raw_end": request.GET.get("end", "")}, status=400)
    context = dash.dashboard_cached(start, end, refresh=request.GET.get("refresh") == "1")
    return render(request, "supervision/dashboard.html", {**context, "raw_start": start.isoformat(),
                                                    "raw_end": end.isoformat(),
                                                    "cache_seconds": settings.DASHBOARD_CACHE_SECONDS})


@login_required
def dashboard_export(request, key: str):
    staff_only(request)
    if key not in dash.TABLES:
        raise Http404
    try:
        start, end = _range(request)
    except DomainError as exc:
        return HttpResponse(exc.detail, status=400, content_type="text/plain; charset=utf-8")
    table = dash.TABLES[key](start, end)
    response = HttpResponse(dash.table_xlsx(table, start=start, end=end),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{key}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    return response


# --- open data ----------------------------------------------------------------------------------------------

def open_data_page(request):
    """Public, no login (政务公开)."""
    year = request.GET.get("year", "")
    stats = open_data.open_statistics(year=int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None)
    return render(request, "supervision/open_data.html", {"stats": stats})
