"""Demo data: when the money demo left deducted orders of the demo provider, one is claimed (with the 第十一条
documents) and submitted, so the service center sees a claim waiting for pre-review. Idempotent."""
from django.core.files.uploadedfile import SimpleUploadedFile

from hangqifu.accounts.roles import Role
from hangqifu.documents.samples import simple_pdf

from .models import REQUIRED_DOCUMENT_KINDS, RedemptionClaim
from .selectors import claimable_orders
from .services import redemption_claims as services


def seed(ctx):
    # The deducted orders come from the money demo, which runs once every app has seeded.
    ctx.setdefault("after_all_apps", []).append(_claim_submitted)


def _claim_submitted(ctx):
    provider = ctx["users"].get(Role.PROVIDER.value)
    if provider is None or RedemptionClaim.objects.filter(provider_id=provider.organisation_id).exists():
        return
    order = claimable_orders(provider=provider.organisation).first()
    if order is None:
        return
    claim = services.claim_create(actor=provider, lines=[{
        "order": order.pk, "invoice_number": f"33012600{order.pk:06d}",
        "invoice_amount": str(services.expected_invoice_amount(order))}])
    for kind in REQUIRED_DOCUMENT_KINDS:
        services.claim_document_add(claim=claim, actor=provider, kind=kind,
                                    uploaded_file=SimpleUploadedFile(f"{kind}.pdf", simple_pdf(kind)))
    services.claim_submit(claim=claim, actor=provider)
