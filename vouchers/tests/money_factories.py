"""Factories for the money core: qualified buyers, funds, open batches, listed products, orders per state."""
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import UserFactory
from hangqifu.core.choices import District, ServiceCategory

TZ = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def at(text: str) -> datetime:
    """at("2026-06-01 09:00") → an aware Beijing time."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def pdf_file(name="file.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def qualified_buyer(*, quota="5000.00", year=2026, role=Role.ENTERPRISE, state="active", **user_kwargs):
    """A buyer user whose organisation holds a qualification of `year`."""
    from registration.models import Qualification

    user = UserFactory(role=role, **user_kwargs)
    qualification = Qualification.objects.create(
        organisation=user.organisation, year=year, kind="park" if role == Role.PARK else "enterprise",
        quota=Decimal(quota))
    if state != "active":
        Qualification.objects.filter(pk=qualification.pk).update(state=state)
    return user


def qualification_of(user, year=2026):
    from registration.models import Qualification

    return Qualification.objects.get(organisation=user.organisation, year=year)


def bureau_user():
    return UserFactory(role=Role.BUREAU)


def fund(year=2026, total="1000000.00"):
    from vouchers.models import Fund

    return Fund.objects.get_or_create(year=year, defaults={"total": Decimal(total)})[0]


def open_batch(*, year=2026, opens="2026-05-01 09:00", closes="2026-11-30 17:00", valid_until=None,
               types=((ServiceCategory.DIGITAL_EMPOWERMENT, "1000.00", 100),), state="open"):
    """A batch with its voucher types (created directly; the services are tested separately)."""
    from vouchers.models import IssuanceBatch, VoucherType

    fund(year)
    batch = IssuanceBatch.objects.create(year=year, title=f"{year} 测试批次", opens_at=at(opens), closes_at=at(closes),
                                         valid_until=valid_until or date(year, 12, 31))
    IssuanceBatch.objects.filter(pk=batch.pk).update(state=state)
    for category, face, count in types:
        VoucherType.objects.create(batch=batch, category=category, face_value=Decimal(face), count=count,
                                   remaining=count)
    return IssuanceBatch.objects.get(pk=batch.pk)


def provider_user(**kwargs):
    """An admitted provider (profile) user."""
    from providers.models import ProviderApplication, ProviderProfile, SelectionRound

    user = UserFactory(role=Role.PROVIDER, **kwargs)
    round_ = SelectionRound.objects.create(year=2026, title="测试遴选批次", announcement="测试",
                                           opens_at=at("2026-01-01 09:00"), closes_at=at("2026-02-01 09:00"))
    application = ProviderApplication.objects.create(
        organisation=user.organisation, round=round_, applicant=user, name=user.organisation.name,
        credit_code=user.organisation.credit_code, established_on=date(2015, 1, 1), district=District.XIHU,
        revenue=Decimal("5000000.00"), professional_staff=10, cases_last_year=5,
        categories=list(ServiceCategory.values))
    ProviderProfile.objects.create(organisation=user.organisation, district=District.XIHU,
                                   categories=list(ServiceCategory.values), round=round_, application=application,
                                   admitted_at=at("2026-03-01 09:00"))
    return user


def listed_product(provider, *, category=ServiceCategory.DIGITAL_EMPOWERMENT, price="10000.00", title="数字化诊断服务"):
    from providers.models import Product

    product = Product.objects.create(provider=provider.organisation, category=category, title=title,
                                     description="标准化服务", deliverables="诊断报告", duration_days=30,
                                     price=Decimal(price), last_year_average_price=Decimal(price))
    Product.objects.filter(pk=product.pk).update(state=Product.State.LISTED, listed_at=at("2026-03-01 09:00"))
    return Product.objects.get(pk=product.pk)


def order_in_state(buyer, provider, state="signed", *, amount="10000.00", category=ServiceCategory.DIGITAL_EMPOWERMENT,
                   product=None, satisfaction="satisfied"):
    """An order walked through the real services up to `state` (signed, completed, rated, cancelled)."""
    from vouchers.services.orders import (
        order_cancel,
        order_complete,
        order_create,
        order_rate,
        order_upload_stamped_letter,
    )

    product = product or listed_product(provider, category=category, price=amount)
    order = order_create(actor=buyer, product_id=product.pk, amount=amount, contract=pdf_file("合同.pdf"))
    if state == "cancelled":
        return order_cancel(actor=buyer, order_id=order.pk, reason="测试取消")
    if state in ("completed", "rated"):
        order_upload_stamped_letter(actor=buyer, order_id=order.pk, uploaded_file=pdf_file("承诺书.pdf"))
        order = order_complete(actor=provider, order_id=order.pk, service_records=[pdf_file("记录.pdf")])
    if state == "rated":
        order = order_rate(actor=buyer, order_id=order.pk, satisfaction=satisfaction)
    return order


def claimed_voucher(buyer, batch=None, voucher_type=None):
    from vouchers.services.voucher_claims import voucher_claim

    batch = batch or open_batch()
    voucher_type = voucher_type or batch.voucher_types.first()
    return voucher_claim(actor=buyer, batch_id=batch.pk, voucher_type_id=voucher_type.pk)


def voucher_and_rated_order(*, voucher_types=((ServiceCategory.DIGITAL_EMPOWERMENT, "5000.00", 10),)) -> dict:
    """A buyer (quota 5000) holding a voucher of the first of `voucher_types` (category, face value, count),
    and the buyer's rated order of 10000 of that category from a listed provider: the order may take a
    deduction next."""
    buyer = qualified_buyer(quota="5000.00")
    provider = provider_user()
    batch = open_batch(types=voucher_types)
    voucher = claimed_voucher(buyer, batch, batch.voucher_types.get(category=voucher_types[0][0]))
    order = order_in_state(buyer, provider, "rated", amount="10000.00", category=voucher_types[0][0])
    return {"buyer": buyer, "provider": provider, "batch": batch, "voucher": voucher, "order": order}


def buyer_holding_voucher(*, face_value: str, **user_kwargs) -> tuple:
    """A buyer (quota 5000) and the digital-empowerment voucher of `face_value` it claimed in an open batch of ten:
    (buyer, batch, voucher)."""
    buyer = qualified_buyer(quota="5000.00", **user_kwargs)
    batch = open_batch(types=((ServiceCategory.DIGITAL_EMPOWERMENT, face_value, 10),))
    return buyer, batch, claimed_voucher(buyer, batch)
