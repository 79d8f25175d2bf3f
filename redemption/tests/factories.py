"""Deducted orders built straight in the database (the ordering flow has its own tests), claims in any state
through the real services, and the documents 第十一条 asks for."""
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hangqifu.accounts.models import Organisation
from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import OrganisationFactory, UserFactory
from hangqifu.core import clock
from hangqifu.core.choices import ServiceCategory
from hangqifu.documents.tests.factories import pdf_upload
from hangqifu.notices.services import notices_close_expired
from providers.models import Product
from registration.models.qualification import Qualification
from vouchers.models.funds import Fund, IssuanceBatch, VoucherType
from vouchers.models.orders import Deduction, Order
from vouchers.models.vouchers import Voucher

from ..models import REQUIRED_DOCUMENT_KINDS, SettlementBatch
from ..services import settlement



def pdf_file(name="材料.pdf"):
    return pdf_upload(name)


def provider_user(district="xihu", **kwargs):
    organisation = OrganisationFactory(kind=Organisation.Kind.PROVIDER, district=district,
                                       name=kwargs.pop("name", None) or f"杭州{district}测试服务有限公司")
    return UserFactory(role=Role.PROVIDER, organisation=organisation, **kwargs)


def district_user(district="xihu"):
    organisation = OrganisationFactory(kind=Organisation.Kind.DISTRICT, credit_code=None, district=district,
                                       name=f"{district}财政局")
    return UserFactory(role=Role.DISTRICT, organisation=organisation)


def _fund(year: int) -> Fund:
    fund, _ = Fund.objects.get_or_create(year=year, defaults={"total": Decimal("100000000.00")})
    return fund


def _voucher_type(year: int) -> VoucherType:
    batch = IssuanceBatch.objects.filter(year=year).first()
    if batch is None:
        opens = timezone.make_aware(timezone.datetime(year, 1, 2, 9))
        batch = IssuanceBatch.objects.create(year=year, title=f"{year} 年测试批次", opens_at=opens,
                                             closes_at=opens.replace(month=12), valid_until=date(year, 12, 31))
    voucher_type, _ = VoucherType.objects.get_or_create(
        batch=batch, category=ServiceCategory.DIGITAL_EMPOWERMENT, face_value=Decimal("500000.00"),
        defaults={"count": 100000, "remaining": 100000})
    return voucher_type


@transaction.atomic  # the counters move with the deduction row in one transaction (vouchers 0005 guard)
def deducted_order(provider: Organisation, *, amount="10000.00", deduction="5000.00", year=None,
                   buyer: Organisation | None = None) -> Order:
    """A listed product of `provider`, an order for `amount` that took a voucher deduction of `deduction`."""
    amount, deduction = Decimal(amount), Decimal(deduction)
    year = year or clock.current_year()
    buyer = buyer or OrganisationFactory(kind=Organisation.Kind.ENTERPRISE)
    buyer_user = buyer.users.first() or UserFactory(role=Role.ENTERPRISE, organisation=buyer)
    product = Product.objects.filter(provider=provider).first() or Product.objects.create(
        provider=provider, category=ServiceCategory.DIGITAL_EMPOWERMENT, title="企业数字化诊断服务",
        description="标准化数字化诊断", deliverables="诊断报告", duration_days=30, price=amount,
        last_year_average_price=amount)
    qualification, _ = Qualification.objects.get_or_create(
        organisation=buyer, year=year, defaults={"kind": "enterprise", "quota": max(Decimal("20000.00"), deduction)})
    Qualification.objects.filter(pk=qualification.pk).update(used=F("used") + deduction)
    fund = _fund(year)
    Fund.objects.filter(pk=fund.pk).update(deducted=F("deducted") + deduction)
    voucher_type = _voucher_type(year)
    now = clock.now()
    voucher = Voucher.objects.create(
        organisation=buyer, qualification=qualification, batch=voucher_type.batch, voucher_type=voucher_type,
        year=year, category=voucher_type.category, face_value=voucher_type.face_value,
        balance=voucher_type.face_value - deduction, expires_on=date(year, 12, 31), claimed_at=now,
        claimed_by=buyer_user)
    order = Order.objects.create(
        buyer=buyer, buyer_user=buyer_user, provider=provider, product=product, year=year,
        category=product.category, product_title=product.title, product_price=product.price, amount=amount,
        state=Order.State.DEDUCTED, signed_at=now, completed_at=now, rated_at=now, deducted_at=now,
        satisfaction="satisfied")
    Deduction.objects.create(order=order, voucher=voucher, organisation=buyer, qualification=qualification,
                             fund=fund, year=year, amount=deduction, order_amount=amount, ratio=Decimal("0.500"),
                             declares_no_other_subsidy=True, created_by=buyer_user, created_at=now)
    return order


def line_for(order: Order) -> dict:
    return {"order": order.pk, "invoice_number": f"INV{order.pk:08d}",
            "invoice_amount": str(order.amount - order.deduction.amount)}


def attach_documents(claim, actor, kinds=REQUIRED_DOCUMENT_KINDS):
    from ..services.redemption_claims import claim_document_add

    for kind in kinds:
        claim_document_add(claim=claim, actor=actor, kind=kind, uploaded_file=pdf_file(f"{kind}.pdf"))


def submitted_claim(provider_actor, orders):
    from ..services.redemption_claims import claim_create, claim_submit

    claim = claim_create(actor=provider_actor, lines=[line_for(o) for o in orders])
    attach_documents(claim, provider_actor)
    return claim_submit(claim=claim, actor=provider_actor)


def approved_claim(provider_actor, orders, *, center=None, bureau=None):
    from ..services.redemption_claims import claim_approve, claim_pre_review

    claim = submitted_claim(provider_actor, orders)
    center = center or UserFactory(role=Role.SERVICE_CENTER)
    bureau = bureau or UserFactory(role=Role.BUREAU)
    claim = claim_pre_review(claim=claim, actor=center, passed=True, opinion="材料齐全")
    return claim_approve(claim=claim, actor=bureau)


def run_on_commit(django_capture_on_commit_callbacks, fn, *args, **kwargs):
    """Call a service and run what it schedules after commit (the Celery tasks run eagerly in tests)."""
    with django_capture_on_commit_callbacks(execute=True):
        return fn(*args, **kwargs)


def _call(fn, **kwargs):
    return fn(**kwargs)


def batch_past_notice(*, center, bureau, set_clock, run=None) -> SettlementBatch:
    """The May–June 2026 settlement batch collected, approved and published, its notice closed without
    objection: the batch waits for the two signatures. `run` calls each service (by default directly); pass one
    that runs what the service schedules on commit where the test sits inside one transaction."""
    run = run or _call
    batch = settlement.batch_open(actor=center, period_start=date(2026, 5, 1), period_end=date(2026, 6, 30),
                                  payment_expected_on=date(2026, 7, 31))
    run(settlement.batch_close, batch=batch, actor=center)
    run(settlement.batch_approve, batch=SettlementBatch.objects.get(pk=batch.pk), actor=bureau)
    batch = run(settlement.batch_publish, batch=SettlementBatch.objects.get(pk=batch.pk), actor=bureau)
    set_clock(batch.notice.closes_at + timedelta(hours=10))
    run(notices_close_expired)
    return SettlementBatch.objects.get(pk=batch.pk)
