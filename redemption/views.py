"""Pages: providers file and follow claims; staff run settlement batches; districts confirm payments;
the public sees the batch schedule. Thin: parse, call one service or selector, render."""
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hangqifu.audit.services import audit_record
from hangqifu.core.errors import DomainError
from hangqifu.core.outcome import found_or_404, page_action, page_outcome
from hangqifu.documents.selectors import documents_for
from hangqifu.notices.models import NoticeItem
from hangqifu.workflows.transitions import action_offers, available_actions

from . import permissions as perms
from . import selectors
from .exports import disbursement_pdf, disbursement_xlsx
from .forms import BatchOpenForm, BulkConfirmForm, ConfirmPaymentForm, DocumentForm, FailPaymentForm
from .models import REQUIRED_DOCUMENT_KINDS, DistrictPayment, RedemptionClaim, SettlementBatch
from .services import bulk as bulk_services
from .services import redemption_claims as claim_services
from .services import payments as payment_services
from .services import settlement as settlement_services
from .services.cap import cap_status


def _error(request, exc: DomainError):
    messages.error(request, exc.message())


# --- provider ------------------------------------------------------------------------------------------

@login_required
def claim_list(request):
    if not (perms.is_provider(request.user) or perms.is_staff(request.user)):
        raise PermissionDenied
    state = request.GET.get("state") or None
    page = Paginator(selectors.claim_list_for(user=request.user, state=state), 20).get_page(request.GET.get("page"))
    context = {"page": page, "states": RedemptionClaim.State.choices, "state": state}
    if perms.is_provider(request.user):
        context["cap"] = cap_status(provider=request.user.organisation)
        context["claimable_count"] = selectors.claimable_orders(provider=request.user.organisation).count()
    return render(request, "redemption/claim_list.html", context)


@login_required
def claim_new(request):
    if not perms.is_provider(request.user):
        raise PermissionDenied
    provider = request.user.organisation
    orders = list(selectors.claimable_orders(provider=provider)[:200])
    rows = [{"order": o, "expected": o.amount - o.deduction.amount} for o in orders]
    if request.method == "POST":
        lines = []
        for row in rows:
            order = row["order"]
            if request.POST.get(f"order_{order.pk}"):
                lines.append({"order": order.pk, "invoice_number": request.POST.get(f"invoice_number_{order.pk}", ""),
                              "invoice_amount": request.POST.get(f"invoice_amount_{order.pk}", "")})
            row["checked"] = bool(request.POST.get(f"order_{order.pk}"))
            row["invoice_number"] = request.POST.get(f"invoice_number_{order.pk}", "")
            row["invoice_amount"] = request.POST.get(f"invoice_amount_{order.pk}", "")
        try:
            claim = claim_services.claim_create(actor=request.user, lines=lines,
                                                is_public_institution=bool(request.POST.get("is_public_institution")))
        except DomainError as exc:
            _error(request, exc)
        else:
            messages.success(request, f"已创建兑付申请 {claim.number}，请上传材料后提交")
            return redirect("redemption:claim-detail", pk=claim.pk)
    return render(request, "redemption/claim_new.html",
                  {"rows": rows, "cap": cap_status(provider=provider),
                   "is_public_institution": bool(request.POST.get("is_public_institution"))})


def _claim_or_404(request, pk) -> RedemptionClaim:
    return found_or_404(selectors.claim_get_for(user=request.user, pk=pk), "兑付申请不存在")


@login_required
def claim_detail(request, pk: int):
    claim = _claim_or_404(request, pk)
    documents = list(documents_for(claim))
    present = {d.kind for d in documents}
    context = {
        "claim": claim, "lines": selectors.claim_lines(claim), "documents": documents,
        "required": [(k, claim_services.document_label(claim, k), k in present) for k in REQUIRED_DOCUMENT_KINDS],
        "is_owner": perms.claim_owner(claim, request.user), "document_form": DocumentForm(),
        "timeline": selectors.claim_timeline(claim), "payment": claim.payment,
    }
    if context["is_owner"]:
        context["cap"] = cap_status(provider=claim.provider)
    return render(request, "redemption/claim_detail.html", context)


@require_POST
@login_required
def claim_document_upload(request, pk: int):
    claim = _claim_or_404(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择材料类型和文件")
        return redirect("redemption:claim-detail", pk=pk)
    with page_outcome(request, done="材料已上传"):
        claim_services.claim_document_add(claim=claim, actor=request.user, kind=form.cleaned_data["kind"],
                                          uploaded_file=form.cleaned_data["file"])
    return redirect("redemption:claim-detail", pk=pk)


@require_POST
@login_required
def claim_document_delete(request, pk: int, document_id: int):
    claim = _claim_or_404(request, pk)
    with page_outcome(request, done="材料已删除"):
        claim_services.claim_document_remove(claim=claim, actor=request.user, document_id=document_id)
    return redirect("redemption:claim-detail", pk=pk)


CLAIM_ACTIONS = {"submit": (claim_services.claim_submit, "兑付申请已提交，等待市工信服务中心形式预审"),
                 "withdraw": (claim_services.claim_withdraw, "兑付申请已撤回")}


@require_POST
@login_required
def claim_act(request, pk: int, action: str):
    claim = _claim_or_404(request, pk)
    page_action(request, CLAIM_ACTIONS, action, claim=claim)
    return redirect("redemption:claim-detail", pk=pk)


# --- settlement batches (staff) ------------------------------------------------------------------------

@login_required
def batch_list(request):
    if not perms.is_staff(request.user):
        raise PermissionDenied
    form = BatchOpenForm(request.POST or None) if perms.is_service_center(request.user) else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                batch = settlement_services.batch_open(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, f"已开立并公布{batch.title}")
                return redirect("redemption:batch-detail", pk=batch.pk)
    page = Paginator(selectors.batch_list_for(user=request.user).order_by("-year", "-sequence"), 20).get_page(
        request.GET.get("page"))
    return render(request, "redemption/batch_list.html", {"page": page, "form": form})


def _batch_or_404(request, pk) -> SettlementBatch:
    batch = selectors.batch_get_for(user=request.user, pk=pk)
    if batch is None:
        if not perms.is_staff(request.user):
            raise PermissionDenied
        raise Http404("结算批次不存在")
    return batch


BATCH_ACTIONS = {
    "close": (settlement_services.batch_close, "已截止受理，正在归集已审批的兑付申请"),
    "approve": (settlement_services.batch_approve, "结算批次已审批"),
    "publish": (settlement_services.batch_publish, "兑付公示已发布"),
    "sign": (settlement_services.batch_sign, "已签发"),
    "cancel": (settlement_services.batch_cancel, "未归集到兑付申请的结算批次已取消"),
}


BATCH_ACTION_LABELS = {"close": "截止受理并归集", "approve": "审批结算批次", "cancel": "取消空批次",
                      "publish": "发布兑付公示"}


def _sign_label(user) -> str:
    return "市经信局签发拨付文件" if perms.is_bureau(user) else "市财政局会签"


def batch_actions_for(batch: SettlementBatch, user) -> list[tuple[str, str, str]]:
    """(action, label, reason): the steps of the batch's workflow the user may take now (`action_offers`); a
    non-empty reason shows the action disabled with the refusal of the policy condition (an empty batch cannot
    be approved). 签发 is also offered to the bureau during the notice: signing concludes a notice whose window
    has passed, and until then the button shows why not (`bureau_sign_refusal`, read from the batch's notice,
    which the batch selectors fetch with it)."""
    offers = action_offers(batch, user)
    if batch.state == SettlementBatch.State.IN_NOTICE and perms.is_bureau(user):
        refusal = settlement_services.bureau_sign_refusal(batch)
        offers["sign"] = refusal.detail if refusal else ""
    return [(action, BATCH_ACTION_LABELS.get(action) or _sign_label(user), reason)
            for action, reason in offers.items()]


@login_required
def batch_detail(request, pk: int):
    batch = _batch_or_404(request, pk)
    # a page of the batch's claims (a batch may hold 100,000), with their notice items' states
    page = Paginator(selectors.batch_claims(batch), 50).get_page(request.GET.get("page"))
    items = selectors.notice_item_states(batch, claim_ids=[c.pk for c in page])

    item_labels = dict(NoticeItem.State.choices)
    rows = [{"claim": c, "notice_state": item_labels.get(items.get(c.pk), "")} for c in page]
    return render(request, "redemption/batch_detail.html", {
        "batch": batch, "rows": rows, "page": page, "district_totals": selectors.batch_district_totals(batch),
        "total": settlement_services.batch_total(batch), "actions": batch_actions_for(batch, request.user),
        "orders": batch.disbursement_orders.order_by("district"),
        "payments": batch.payments.select_related("provider").order_by("district", "provider__name"),
    })


def batch_progress(request, pk: int):
    if not request.user.is_authenticated:
        raise Http404
    batch = _batch_or_404(request, pk)
    return JsonResponse({"state": batch.state, "state_label": batch.get_state_display(), "done": batch.task_done,
                         "total": batch.task_total, "percent": batch.progress_percent, "running": batch.is_running})


@require_POST
@login_required
def batch_act(request, pk: int, action: str):
    batch = _batch_or_404(request, pk)
    page_action(request, BATCH_ACTIONS, action, batch=batch)
    return redirect("redemption:batch-detail", pk=pk)


def schedule(request):
    """Public: the announced settlement batches and their dates (第十三条 兑付时间在平台公布)."""
    return render(request, "redemption/schedule.html", {"batches": selectors.public_batches()[:50]})


# --- disbursement orders ------------------------------------------------------------------------------

def _disbursement_or_404(request, pk):
    return found_or_404(selectors.disbursement_get_for(user=request.user, pk=pk), "拨付文件不存在")


def _audit_download(order, user, fmt: str) -> None:
    audit_record(actor=user, action="document.downloaded", obj=order, payload={"kind": "disbursement_order",
                                                                               "format": fmt, "number": order.number})


def disbursement_pdf_response(order, *, user) -> FileResponse:
    _audit_download(order, user, "pdf")
    content = order.pdf.open("rb").read() if order.pdf else disbursement_pdf(order)
    response = FileResponse(ContentFile(content), as_attachment=True, filename=f"{order.number}.pdf",
                            content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    return response


def disbursement_xlsx_response(order, *, user) -> HttpResponse:
    _audit_download(order, user, "xlsx")
    response = HttpResponse(disbursement_xlsx(order),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, f"{order.number}.xlsx")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def disbursement_pdf_view(request, pk: int):
    return disbursement_pdf_response(_disbursement_or_404(request, pk), user=request.user)


@login_required
def disbursement_xlsx_view(request, pk: int):
    return disbursement_xlsx_response(_disbursement_or_404(request, pk), user=request.user)


# --- district payments ---------------------------------------------------------------------------------

@login_required
def district_payments(request):
    district = perms.district_of(request.user)
    if not (district or perms.is_staff(request.user)):
        raise PermissionDenied
    state = request.GET.get("state") or None
    queryset = selectors.payment_list_for(user=request.user, state=state)
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    for payment in page:
        payment.actions = available_actions(payment, request.user)
    return render(request, "redemption/district_payments.html", {
        "page": page, "state": state, "states": DistrictPayment.State.choices, "can_pay": bool(district),
        "confirm_form": ConfirmPaymentForm(), "fail_form": FailPaymentForm(),
        "orders": selectors.disbursement_list_for(user=request.user).order_by("-issued_at")[:20],
        "outstanding": sum((p.amount for p in queryset.exclude(state=DistrictPayment.State.PAID)), Decimal("0.00")),
        "unpaid_count": queryset.exclude(state=DistrictPayment.State.PAID).count() if district else 0,
    })


@require_POST
@login_required
def payments_bulk_confirm(request):
    """Every unpaid line of the officer's district under the page's filter, each through payment_confirm."""
    form = BulkConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请完整填写批量支付批次号和支付时间")
        return redirect("redemption:district-payments")
    queryset = selectors.payment_list_for(user=request.user, state=form.cleaned_data["state"] or None)
    try:
        result = bulk_services.payments_bulk_confirm(actor=request.user, queryset=queryset,
                                                     reference=form.cleaned_data["reference"],
                                                     paid_at=form.cleaned_data["paid_at"])
    except DomainError as exc:
        _error(request, exc)
        return redirect("redemption:district-payments")
    (messages.success if result.done else messages.warning)(request, result.summary("确认支付"))
    for pk, reason in list(result.skipped.items())[:20]:
        messages.warning(request, f"支付 {pk} 未确认：{reason}")
    return redirect("redemption:district-payments")


@require_POST
@login_required
def payment_act(request, pk: int, action: str):
    payment = found_or_404(selectors.payment_get_for(user=request.user, pk=pk), "支付记录不存在")
    form = (ConfirmPaymentForm if action == "confirm" else FailPaymentForm)(request.POST)
    if action not in ("confirm", "fail"):
        raise Http404
    if not form.is_valid():
        messages.error(request, "请完整填写支付流水号和支付时间" if action == "confirm" else "请填写失败原因")
        return redirect("redemption:district-payments")
    try:
        if action == "confirm":
            payment_services.payment_confirm(payment=payment, actor=request.user, **form.cleaned_data)
            messages.success(request, f"已确认向 {payment.provider.name} 支付 {payment.amount} 元")
        else:
            payment_services.payment_fail(payment=payment, actor=request.user, **form.cleaned_data)
            messages.success(request, "已标记支付失败，重新支付后请再次确认")
    except DomainError as exc:
        _error(request, exc)
    return redirect("redemption:district-payments")

