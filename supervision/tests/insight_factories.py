"""Orders, deductions and claim lines crafted straight in the database for the fraud rules and spot checks
(the ordering and redemption flows have their own tests; these tests need exact times and amounts)."""
from datetime import timedelta
from decimal import Decimal

from hangqifu.accounts.models import Organisation
from hangqifu.accounts.tests.factories import OrganisationFactory, UserFactory
from hangqifu.core import clock
from hangqifu.core.choices import ServiceCategory
from providers.models import Product
from redemption.models import ClaimLine, RedemptionClaim
from redemption.tests.factories import deducted_order
from vouchers.models import Order

__all__ = ["buyer_org", "claim_with_invoice", "deducted_order", "order", "provider_org"]


def provider_org(**kwargs) -> Organisation:
    return OrganisationFactory(kind=Organisation.Kind.PROVIDER, **kwargs)


def buyer_org(**kwargs) -> Organisation:
    return OrganisationFactory(kind=Organisation.Kind.ENTERPRISE, **kwargs)


def order(buyer: Organisation, provider: Organisation, *, amount="10000.00", basis=None, state=Order.State.SIGNED,
          signed_at=None, completed_at=None, rated_at=None, deducted_at=None, satisfaction="",
          category=ServiceCategory.DIGITAL_EMPOWERMENT) -> Order:
    amount = Decimal(amount)
    product = Product.objects.create(provider=provider, category=category, title="企业数字化诊断服务",
                                     description="标准化服务", deliverables="诊断报告", duration_days=30,
                                     price=Decimal(basis or amount), last_year_average_price=Decimal(basis or amount))
    buyer_user = buyer.users.first() or UserFactory(role="enterprise", organisation=buyer)
    return Order.objects.create(buyer=buyer, buyer_user=buyer_user, provider=provider, product=product,
                                year=clock.current_year(), category=category, product_title=product.title,
                                product_price=product.price, amount=amount, state=state,
                                signed_at=signed_at or clock.now() - timedelta(days=10), completed_at=completed_at,
                                rated_at=rated_at, deducted_at=deducted_at, satisfaction=satisfaction)


def claim_with_invoice(provider: Organisation, invoice_number: str, *, order_obj=None) -> RedemptionClaim:
    order_obj = order_obj or deducted_order(provider)
    user = provider.users.first() or UserFactory(role="provider", organisation=provider)
    claim = RedemptionClaim.objects.create(provider=provider, created_by=user, created_at=clock.now(),
                                           submitted_at=clock.now(), claimed_amount=order_obj.deduction.amount)
    RedemptionClaim.objects.filter(pk=claim.pk).update(state=RedemptionClaim.State.SUBMITTED)
    ClaimLine.objects.create(claim=claim, order=order_obj, deduction=order_obj.deduction,
                             invoice_number=invoice_number,
                             invoice_amount=order_obj.amount - order_obj.deduction.amount,
                             amount=order_obj.deduction.amount)
    return RedemptionClaim.objects.get(pk=claim.pk)
