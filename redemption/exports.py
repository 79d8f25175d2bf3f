"""The disbursement order (拨付文件) as the official Chinese PDF and as an Excel sheet for the district.

The PDF is the official document: one row per provider (its payment line: amount and number of claims), never
one per claim — a district of a large batch has thousands of claims. The Excel sheet carries the same provider
table and, on a second sheet, every claim (streamed: openpyxl write-only, rows read with `.iterator()`)."""
import re
from io import BytesIO

from django.db.models import Sum
from django.utils import timezone

from hangqifu.core.choices import District
from hangqifu.core.money import fmt
from hangqifu.core.xlsx import row as xlsx_row
from hangqifu.documents.pdf import render_pdf

from .models import DisbursementOrder, RedemptionClaim, SettlementBatch
from .models.claims import claim_number

XLSX_CHUNK = 2_000


# A name segment up to this many characters is kept on one line of the PDF's provider column (63 % of A4 at
# 10.5 pt holds ≈ 28); a longer one may wrap.
_WHOLE_SEGMENT = 26


def name_parts(name: str) -> list[tuple[str, bool]]:
    """A provider's name cut before its full-width brackets (杭州……中心（……有限公司）), each part with whether it
    is short enough to keep whole: a long name then wraps at the bracket, never inside a word."""
    parts = re.split(r"(?=（)", name)
    return [(part, len(part) <= _WHOLE_SEGMENT) for part in parts if part]


def _signer(user, at) -> dict:
    """Who signed for a bureau: the account's name written the Chinese way, 姓 then 名 (else its login), the role
    it signed in, when."""
    if user is None:
        return {"name": "—", "role": "—", "at": None}
    return {"name": f"{user.last_name}{user.first_name}".strip() or user.username, "role": f"{user.get_role_display()}签发人", "at": at}


def disbursement_context(order: DisbursementOrder) -> dict:
    batch = SettlementBatch.objects.select_related("bureau_signed_by", "finance_signed_by").get(pk=order.batch_id)
    payments = list(order.payments.select_related("provider").order_by("provider__name", "id"))
    district_totals = (batch.claims.values_list("settlement_district").order_by("settlement_district")
                       .annotate(total=Sum("verified_amount")))
    labels = dict(District.choices)
    return {
        "title": "服务券兑付资金拨付通知",
        "document_number": order.number,
        "order": order,
        "batch": batch,
        "district_label": order.get_district_display(),
        "rows": [{"payment": p, "name_parts": name_parts(p.provider.name), "claim_count": p.claim_count,
                  "amount": fmt(p.amount)} for p in payments],
        "total": fmt(order.total),
        "district_totals": [(labels.get(d, d), fmt(t)) for d, t in district_totals],
        "issuer": "杭州市经济和信息化局　杭州市财政局",
        "signers": [_signer(batch.bureau_signed_by, batch.bureau_signed_at),
                    _signer(batch.finance_signed_by, batch.finance_signed_at)],
        "issued_on": timezone.localtime(order.issued_at).date(),
    }


def disbursement_pdf(order: DisbursementOrder) -> bytes:
    return render_pdf("redemption/pdf/disbursement_order.html", disbursement_context(order))


def disbursement_xlsx(order: DisbursementOrder) -> bytes:
    from openpyxl import Workbook

    context = disbursement_context(order)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(context["district_label"])
    for column, width in zip("ABCDEFGH", (8, 36, 22, 16, 16, 14, 24, 18), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append(xlsx_row(sheet, [f"{context['title']}（{order.number}）"], bold=True, size=14))
    sheet.append(xlsx_row(sheet, [f"{context['batch'].title}　{context['district_label']}　拨付总额（元）", order.total],
                        money_columns=(2,)))
    sheet.append([])
    sheet.append(xlsx_row(sheet, ["序号", "服务机构", "统一社会信用代码", "兑付申请（份）", "应付金额（元）", "支付状态",
                                "亲清在线流水号", "支付时间"], bold=True))
    for index, row in enumerate(context["rows"], start=1):
        payment = row["payment"]
        paid_at = timezone.localtime(payment.paid_at).strftime("%Y-%m-%d %H:%M") if payment.paid_at else ""
        sheet.append(xlsx_row(sheet, [index, payment.provider.name, payment.provider.credit_code or "",
                                    payment.claim_count, payment.amount, payment.get_state_display(),
                                    payment.reference, paid_at], money_columns=(5,)))
    sheet.append(xlsx_row(sheet, ["合计", "", "", order.claim_count, order.total], money_columns=(5,)))
    _claims_sheet(book, order)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _claims_sheet(book, order: DisbursementOrder) -> None:
    """Every claim of the order, one row each, streamed from the database."""
    sheet = book.create_sheet("兑付申请明细")
    for column, width in zip("ABCDEF", (8, 36, 22, 18, 16, 18), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append(xlsx_row(sheet, ["序号", "服务机构", "统一社会信用代码", "兑付申请编号", "核定兑付金额（元）", "审批时间"],
                        bold=True))
    claims = (RedemptionClaim.objects.filter(payment__disbursement_order=order)
              .order_by("provider__name", "provider_id", "id")
              .values_list("pk", "created_at", "provider__name", "provider__credit_code", "verified_amount",
                           "approved_at"))
    for index, (pk, created_at, name, credit_code, amount, approved_at) in enumerate(
            claims.iterator(chunk_size=XLSX_CHUNK), start=1):
        approved = timezone.localtime(approved_at).strftime("%Y-%m-%d %H:%M") if approved_at else ""
        sheet.append(xlsx_row(sheet, [index, name, credit_code or "", claim_number(pk, created_at), amount, approved],
                            money_columns=(5,)))
