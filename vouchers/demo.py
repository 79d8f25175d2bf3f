"""Demo data of the money core (seed_demo runs it after registration's): the year's fund, an open
batch with several voucher types, vouchers claimed by demo-enterprise and demo-park, and demo-enterprise's
orders of demo-provider's products in each state (signed, completed, rated, deducted). Everything goes
through the services; running it again changes nothing."""
from datetime import datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hangqifu.accounts.roles import Role
from hangqifu.core import clock
from hangqifu.core.choices import ServiceCategory
from hangqifu.core.money import share
from hangqifu.documents.samples import simple_pdf
from hangqifu.policy.services import policy_for
from providers.models import Product
from registration.models import Qualification

from .models import Fund, IssuanceBatch, Order, Voucher
from .services import deductions, orders
from .services.funds import batch_create, batch_open, fund_create
from .services.voucher_claims import voucher_claim

DEMO_BATCH = "{year} 年度第一批服务券"
DEMO_TYPES = [
    (ServiceCategory.DIGITAL_EMPOWERMENT, "2000.00", 500),
    (ServiceCategory.MANAGEMENT_CONSULTING, "5000.00", 200),
    (ServiceCategory.INTELLECTUAL_PROPERTY, "1000.00", 300),
    (ServiceCategory.FINANCE_TAX_AUDIT, "2000.00", 200),
    (ServiceCategory.TALENT, "1000.00", 100),
]


def _pdf(title: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{title}.pdf", simple_pdf(title), content_type="application/pdf")


def _batch(*, bureau, year: int) -> IssuanceBatch:
    title = DEMO_BATCH.format(year=year)
    batch = IssuanceBatch.objects.filter(year=year, title=title).first()
    if batch is not None:
        return batch
    tz = timezone.get_current_timezone()
    now = clock.now()
    year_start = datetime.combine(now.date().replace(month=1, day=1), time(0, 0), tzinfo=tz)
    year_end = datetime.combine(now.date().replace(month=12, day=31), time(17, 0), tzinfo=tz)
    opens_at = max(now - timedelta(days=1), year_start)
    closes_at = max(min(now + timedelta(days=30), year_end), opens_at + timedelta(hours=1))
    batch = batch_create(actor=bureau, year=year, title=title, opens_at=opens_at, closes_at=closes_at,
                         voucher_types=[{"category": c, "face_value": f, "count": n} for c, f, n in DEMO_TYPES])
    return batch_open(actor=bureau, batch_id=batch.pk)


def _claim(user, batch, category):
    existing = Voucher.objects.filter(organisation=user.organisation, batch=batch, category=category).first()
    if existing:
        return existing
    voucher_type = batch.voucher_types.filter(category=category).first()
    return voucher_claim(actor=user, batch_id=batch.pk, voucher_type_id=voucher_type.pk)


def _products(provider):
    listed = Product.objects.filter(provider=provider.organisation, state=Product.State.LISTED)
    return {p.category: p for p in listed.order_by("id")}


def _order(*, buyer, provider, product, state, voucher=None):
    order = orders.order_create(actor=buyer, product_id=product.pk, amount=product.price,
                                contract=_pdf("service-contract"))
    if state == "signed":
        return order
    orders.order_upload_stamped_letter(actor=buyer, order_id=order.pk, uploaded_file=_pdf("stamped-commitment"))
    orders.order_complete(actor=provider, order_id=order.pk, service_records=[_pdf("service-record")],
                          note="已按合同完成现场服务并交付成果")
    if state == "completed":
        return order
    orders.order_rate(actor=buyer, order_id=order.pk, satisfaction="satisfied", comment="服务专业，交付及时")
    if state == "rated" or voucher is None:
        return order
    voucher = Voucher.objects.get(pk=voucher.pk)
    amount = min(voucher.balance, share(product.price, policy_for(voucher.year).deduction_ratio))
    deductions.deduction_apply(actor=buyer, order_id=order.pk, voucher_id=voucher.pk, amount=amount,
                               declares_no_other_subsidy=True)
    _spread_history(order)
    return order


def _spread_history(order) -> None:
    """The seed runs every step in the same second; a real order takes weeks (signed, served, rated, then
    deducted days later). Spread the demo order's milestone times back, so its timeline reads like one and
    the fraud rules (a deduction minutes after the rating) do not flag the demo company."""
    from datetime import timedelta

    deducted = Order.objects.values_list("deducted_at", flat=True).get(pk=order.pk)
    Order.objects.filter(pk=order.pk).update(
        signed_at=deducted - timedelta(days=12), completed_at=deducted - timedelta(days=5),
        rated_at=deducted - timedelta(days=2))


def seed(ctx):
    users = ctx["users"]
    bureau, provider = users[Role.BUREAU.value], users[Role.PROVIDER.value]
    enterprise, park = users[Role.ENTERPRISE.value], users[Role.PARK.value]
    year = clock.current_year()
    if not Fund.objects.filter(year=year).exists():
        fund_create(actor=bureau, year=year, total="50000000.00")
    batch = _batch(bureau=bureau, year=year)
    if not batch.is_claimable():
        return
    active = Qualification.objects.filter(year=year, state=Qualification.State.ACTIVE)
    if active.filter(organisation=park.organisation).exists():
        _claim(park, batch, ServiceCategory.TALENT)
    if not active.filter(organisation=enterprise.organisation).exists():
        return
    digital = _claim(enterprise, batch, ServiceCategory.DIGITAL_EMPOWERMENT)
    _claim(enterprise, batch, ServiceCategory.MANAGEMENT_CONSULTING)
    # demo-provider's products are listed by the providers app's seed, which runs after this one.
    ctx.setdefault("after_all_apps", []).append(
        lambda ctx: _seed_orders(enterprise=enterprise, provider=provider, digital=digital))


def _seed_orders(*, enterprise, provider, digital):
    if Order.objects.filter(buyer=enterprise.organisation).exists():
        return
    products = _products(provider)
    plan = [(ServiceCategory.DIGITAL_EMPOWERMENT, "deducted", digital),
            (ServiceCategory.MANAGEMENT_CONSULTING, "rated", None),
            (ServiceCategory.INTELLECTUAL_PROPERTY, "completed", None),
            (ServiceCategory.FINANCE_TAX_AUDIT, "signed", None)]
    for category, state, voucher in plan:
        if category in products:
            _order(buyer=enterprise, provider=provider, product=products[category], state=state, voucher=voucher)
