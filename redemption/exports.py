"""The disbursement order (拨付文件) as the official Chinese PDF and as an Excel sheet for the district."""
from io import BytesIO

from django.db.models import Sum
from django.utils import timezone

from hangqifu.core.choices import District

from hangqifu.core.money import fmt
from hangqifu.documents.pdf import render_pdf

from .models import DisbursementOrder, RedemptionClaim


def disbursement_context(order: DisbursementOrder) -> dict:
    batch = order.batch
    payments = list(order.payments.select_related("provider").order_by("provider__name", "id"))
    claims = {}
    for claim in RedemptionClaim.objects.filter(payment__disbursement_order=order).order_by("id"):
        claims.setdefault(claim.payment_id, []).append(claim)
    district_totals = (batch.claims.values_list("provider__district").order_by("provider__district")
                       .annotate(total=Sum("verified_amount")))
    labels = dict(District.choices)
    return {
        "title": "服务券兑付资金拨付通知",
        "document_number": order.number,
        "order": order,
        "batch": batch,
        "district_label": order.get_district_display(),
        "rows": [{"payment": p, "claims": claims.get(p.pk, []), "amount": fmt(p.amount)} for p in payments],
        "total": fmt(order.total),
        "district_totals": [(labels.get(d, d), fmt(t)) for d, t in district_totals],
        "issuer": "杭州市经济和信息化局　杭州市财政局",
        "issued_on": timezone.localtime(order.issued_at).date(),
    }


def disbursement_pdf(order: DisbursementOrder) -> bytes:
    return render_pdf("redemption/pdf/disbursement_order.html", disbursement_context(order))


def disbursement_xlsx(order: DisbursementOrder) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    context = disbursement_context(order)
    book = Workbook()
    sheet = book.active
    sheet.title = context["district_label"]
    sheet.append([f"{context['title']}（{order.number}）"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"{context['batch'].title}　{context['district_label']}　拨付总额（元）", order.total])
    sheet.append([])
    header = ["序号", "服务机构", "统一社会信用代码", "兑付申请", "应付金额（元）", "支付状态", "亲清在线流水号", "支付时间"]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for index, row in enumerate(context["rows"], start=1):
        payment = row["payment"]
        paid_at = timezone.localtime(payment.paid_at).strftime("%Y-%m-%d %H:%M") if payment.paid_at else ""
        sheet.append([index, payment.provider.name, payment.provider.credit_code or "",
                      "、".join(c.number for c in row["claims"]), payment.amount, payment.get_state_display(),
                      payment.reference, paid_at])
        sheet.cell(row=sheet.max_row, column=5).number_format = "#,##0.00"
    sheet.append(["合计", "", "", "", order.total])
    sheet.cell(row=sheet.max_row, column=5).number_format = "#,##0.00"
    sheet.cell(row=2, column=2).number_format = "#,##0.00"
    for column, width in zip("ABCDEFGH", (8, 36, 22, 28, 16, 14, 24, 18), strict=True):
        sheet.column_dimensions[column].width = width
    sheet["A1"].alignment = Alignment(horizontal="left")
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
