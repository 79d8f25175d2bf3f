"""第二十条: one check (`sanctions.services.assert_not_banned`) refuses a banned organisation at every entry point
with code `banned`; the same step succeeds for an organisation that is not banned. One test per entry point,
each run banned and not banned."""
import pytest

from hangqifu.accounts.roles import Role
from hangqifu.core.errors import DomainError
from hangqifu.documents.tests.factories import pdf_upload

from .factories import SanctionFactory

pytestmark = pytest.mark.django_db
BANNED = pytest.mark.parametrize("banned", [True, False], ids=["banned", "not-banned"])


@pytest.fixture(autouse=True)
def now(set_clock):
    return set_clock("2026-06-01T09:00:00+08:00")


def attempt(banned: bool, organisation, step):
    """Ban `organisation` (or not), then run `step`: refused with `banned`, or it goes through."""
    if banned:
        SanctionFactory(organisation=organisation)
        with pytest.raises(DomainError) as excinfo:
            step()
        assert excinfo.value.code == "banned"
        assert "禁止使用服务券" in excinfo.value.detail
        return None
    return step()


# --- enterprise / park ---------------------------------------------------------------------------------

@BANNED
def test_registration_submit(banned, make_user):
    from registration.services.registration import registration_submit
    from registration.tests.factories import make_registration, upload_all

    user = make_user(role=Role.ENTERPRISE)
    registration = make_registration(user)
    upload_all(user, registration)
    result = attempt(banned, user.organisation, lambda: registration_submit(actor=user, registration=registration))
    assert banned or result.state == "submitted"


@BANNED
def test_registration_approve(banned, make_user):
    from registration.services.review import registration_approve
    from registration.tests.factories import make_registration

    user, center = make_user(role=Role.ENTERPRISE), make_user(role=Role.SERVICE_CENTER)
    registration = make_registration(user, state="pre_reviewed", reviewer=center)
    attempt(banned, user.organisation, lambda: registration_approve(actor=center, registration=registration))
    from registration.models import Qualification

    assert Qualification.objects.filter(organisation=user.organisation).exists() is not banned


@BANNED
def test_voucher_claim(banned):
    from vouchers.tests.money_factories import claimed_voucher, open_batch, qualified_buyer

    buyer = qualified_buyer()
    batch = open_batch()
    voucher = attempt(banned, buyer.organisation, lambda: claimed_voucher(buyer, batch))
    assert banned or voucher.organisation == buyer.organisation


@BANNED
def test_order_create(banned):
    from vouchers.tests.money_factories import order_in_state, provider_user, qualified_buyer

    buyer, provider = qualified_buyer(), provider_user()
    order = attempt(banned, buyer.organisation, lambda: order_in_state(buyer, provider, "signed"))
    assert banned or order.state == "signed"


@BANNED
def test_deduction(banned):
    from vouchers.services.deductions import deduction_apply
    from vouchers.tests.money_factories import (
        claimed_voucher,
        open_batch,
        order_in_state,
        provider_user,
        qualified_buyer,
    )

    buyer, provider = qualified_buyer(), provider_user()
    voucher = claimed_voucher(buyer, open_batch())
    order = order_in_state(buyer, provider, "rated", amount="2000.00")
    deduction = attempt(banned, buyer.organisation, lambda: deduction_apply(
        actor=buyer, order_id=order.pk, voucher_id=voucher.pk, amount="1000.00", declares_no_other_subsidy=True))
    assert banned or deduction.amount == 1000


# --- provider -----------------------------------------------------------------------------------------

@BANNED
def test_provider_admission_submit(banned):
    from providers.services.applications import application_create, application_submit
    from providers.tests.factories import SelectionRoundFactory, application_data, provider_user, upload_all_documents

    user = provider_user()
    round_ = SelectionRoundFactory()
    application = application_create(actor=user, round=round_, **application_data(user.organisation))
    upload_all_documents(application, user)
    result = attempt(banned, user.organisation, lambda: application_submit(actor=user, application=application))
    assert banned or result.state == "submitted"


@BANNED
def test_product_submit(banned):
    from providers.services.products import product_evidence_add, product_submit
    from providers.tests.factories import ProductFactory

    product = ProductFactory()
    user = product.provider.users.first()
    product_evidence_add(actor=user, product=product, uploaded_file=pdf_upload("定价依据.pdf"))
    result = attempt(banned, product.provider, lambda: product_submit(actor=user, product=product))
    assert banned or result.state == "submitted"


@BANNED
def test_redemption_claim_create(banned):
    from redemption.services.redemption_claims import claim_create
    from redemption.tests.factories import deducted_order, line_for, provider_user

    user = provider_user()
    order = deducted_order(user.organisation)
    claim = attempt(banned, user.organisation, lambda: claim_create(actor=user, lines=[line_for(order)]))
    assert banned or claim.state == "draft"


@BANNED
def test_redemption_claim_submit(banned):
    from redemption.services.redemption_claims import claim_create, claim_submit
    from redemption.tests.factories import attach_documents, deducted_order, line_for, provider_user

    user = provider_user()
    claim = claim_create(actor=user, lines=[line_for(deducted_order(user.organisation))])
    attach_documents(claim, user)
    result = attempt(banned, user.organisation, lambda: claim_submit(claim=claim, actor=user))
    assert banned or result.state == "submitted"


@BANNED
def test_redemption_claim_approve(banned, make_user):
    from redemption.services.redemption_claims import claim_approve, claim_pre_review
    from redemption.tests.factories import deducted_order, provider_user, submitted_claim

    user = provider_user()
    claim = submitted_claim(user, [deducted_order(user.organisation)])
    claim = claim_pre_review(claim=claim, actor=make_user(role=Role.SERVICE_CENTER), passed=True, opinion="齐全")
    result = attempt(banned, user.organisation, lambda: claim_approve(claim=claim, actor=make_user(role=Role.BUREAU)))
    assert banned or result.state == "approved"
