"""Orders: every FSM path, who may fire each transition, the commitment letter, foreign orders → 404."""
from decimal import Decimal

import pytest

from hangqifu.accounts.roles import Role
from hangqifu.core.errors import DomainError
from hangqifu.documents.selectors import documents_for
from vouchers.models import Order
from vouchers.services import orders as services

from .money_factories import listed_product, order_in_state, pdf_file, provider_user, qualified_buyer

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties(set_clock):
    set_clock("2026-06-01T09:00:00+08:00")
    return {"buyer": qualified_buyer(), "provider": provider_user()}


def _code(fn, **kwargs):
    with pytest.raises(DomainError) as excinfo:
        fn(**kwargs)
    return excinfo.value.code


def test_create_snapshots_the_product_stores_the_contract_and_counts_the_order(parties):
    product = listed_product(parties["provider"], price="8000.00", title="管理咨询诊断")
    order = services.order_create(actor=parties["buyer"], product_id=product.pk, amount="7800.00",
                                  contract=pdf_file("合同.pdf"))
    assert (order.state, order.amount, order.product_title, order.provider_id, order.year) == (
        "signed", Decimal("7800.00"), "管理咨询诊断", parties["provider"].organisation_id, 2026)
    assert documents_for(order, "contract").count() == 1
    product.refresh_from_db()
    assert product.order_count == 1


def test_create_refuses_a_higher_amount_than_the_listed_price_an_unlisted_product_and_a_missing_contract(parties):
    product = listed_product(parties["provider"], price="8000.00")
    buyer = parties["buyer"]
    assert _code(services.order_create, actor=buyer, product_id=product.pk, amount="8000.01",
                 contract=pdf_file()) == "amount_over_price"
    assert _code(services.order_create, actor=buyer, product_id=product.pk, amount="-5",
                 contract=pdf_file()) == "invalid"
    assert _code(services.order_create, actor=buyer, product_id=product.pk, amount="100",
                 contract=None) == "invalid_document"
    from providers.models import Product

    Product.objects.filter(pk=product.pk).update(state="delisted")
    assert _code(services.order_create, actor=buyer, product_id=product.pk, amount="100",
                 contract=pdf_file()) == "product_not_listed"
    assert Order.objects.count() == 0


def test_only_qualified_buyers_order(parties, make_user):
    product = listed_product(parties["provider"])
    assert _code(services.order_create, actor=make_user(role=Role.ENTERPRISE), product_id=product.pk,
                 amount="100", contract=pdf_file()) == "not_eligible"
    assert _code(services.order_create, actor=parties["provider"], product_id=product.pk, amount="100",
                 contract=pdf_file()) == "permission_denied"


def test_the_happy_path_signed_completed_rated(parties):
    order = order_in_state(parties["buyer"], parties["provider"], "rated", satisfaction="basically_satisfied")
    assert (order.state, order.satisfaction) == ("rated", "basically_satisfied")
    assert order.completed_at and order.rated_at
    assert documents_for(order, "service_record").count() == 1
    assert order.product.__class__.objects.get(pk=order.product_id).rating_count == 1


def test_completion_needs_the_stamped_letter_and_a_service_record_and_only_the_provider_confirms(parties):
    order = order_in_state(parties["buyer"], parties["provider"], "signed")
    assert _code(services.order_complete, actor=parties["provider"], order_id=order.pk,
                 service_records=[pdf_file()]) == "commitment_letter_missing"
    services.order_upload_stamped_letter(actor=parties["buyer"], order_id=order.pk, uploaded_file=pdf_file())
    assert _code(services.order_complete, actor=parties["buyer"], order_id=order.pk,
                 service_records=[pdf_file()]) == "permission_denied"
    assert _code(services.order_complete, actor=parties["provider"], order_id=order.pk,
                 service_records=[]) == "invalid_document"
    assert services.order_complete(actor=parties["provider"], order_id=order.pk,
                                   service_records=[pdf_file()]).state == "completed"


def test_rating_is_the_buyers_after_completion_and_dissatisfied_needs_a_reason(parties):
    signed = order_in_state(parties["buyer"], parties["provider"], "signed")
    assert _code(services.order_rate, actor=parties["buyer"], order_id=signed.pk,
                 satisfaction="satisfied") == "invalid_transition"
    order = order_in_state(parties["buyer"], parties["provider"], "completed")
    assert _code(services.order_rate, actor=parties["provider"], order_id=order.pk,
                 satisfaction="satisfied") == "permission_denied"
    assert _code(services.order_rate, actor=parties["buyer"], order_id=order.pk,
                 satisfaction="dissatisfied") == "invalid"
    assert _code(services.order_rate, actor=parties["buyer"], order_id=order.pk, satisfaction="great") == "invalid"
    rated = services.order_rate(actor=parties["buyer"], order_id=order.pk, satisfaction="dissatisfied",
                                comment="交付延迟")
    assert rated.state == "rated"


def test_cancel_before_completion_by_either_party_not_after(parties):
    by_buyer = order_in_state(parties["buyer"], parties["provider"], "signed")
    assert services.order_cancel(actor=parties["buyer"], order_id=by_buyer.pk, reason="需求变更").state == "cancelled"
    by_provider = order_in_state(parties["buyer"], parties["provider"], "signed")
    assert services.order_cancel(actor=parties["provider"], order_id=by_provider.pk).state == "cancelled"
    completed = order_in_state(parties["buyer"], parties["provider"], "completed")
    assert _code(services.order_cancel, actor=parties["buyer"], order_id=completed.pk) == "invalid_transition"


def test_a_foreign_order_is_not_found_for_other_buyers_and_providers(parties):
    order = order_in_state(parties["buyer"], parties["provider"], "signed")
    for stranger in (qualified_buyer(), provider_user()):
        assert _code(services.order_cancel, actor=stranger, order_id=order.pk) == "not_found"
        assert not order.user_can_view(stranger)


def test_the_commitment_letter_is_a_chinese_pdf(parties):
    order = order_in_state(parties["buyer"], parties["provider"], "signed")
    pdf = services.commitment_letter_pdf(order=order)
    assert pdf.startswith(b"%PDF")
    import io

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "承诺书" in text and order.number in text and parties["buyer"].organisation.name in text


def _pdf_text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_park_gets_the_parks_own_commitment_letter(parties, client):
    from datetime import date

    from registration.models import ParkRecognition

    park = qualified_buyer(role=Role.PARK)
    ParkRecognition.objects.create(credit_code=park.organisation.credit_code, park_name="杭州云栖小镇小微企业园",
                                   star_level="四星级", recognised_on=date(2025, 1, 10), valid_until=date(2027, 12, 31))
    order = order_in_state(park, parties["provider"], "signed")
    text = _pdf_text(services.commitment_letter_pdf(order=order))
    assert "小微企业园认定及用券承诺书" in text and "杭州云栖小镇小微企业园" in text and "2027年12月31日" in text
    assert "划型" not in text  # not the enterprise's letter with one clause changed
    enterprise_text = _pdf_text(services.commitment_letter_pdf(order=order_in_state(parties["buyer"],
                                                                                    parties["provider"], "signed")))
    assert "中小微企业划型及服务券使用承诺书" in enterprise_text and "小微企业园" not in enterprise_text
    client.force_login(park)
    assert "小微企业园认定及用券承诺书" in client.get(f"/vouchers/orders/{order.pk}/").content.decode()
