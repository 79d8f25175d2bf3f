"""第二十二条: the measures are in force from 2026-05-03 to 2028-12-31. New qualifications, funds, batches, claims,
orders and deductions are refused outside; redemption, settlement and payment of what was deducted inside go on."""
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hangqifu.accounts.roles import Role
from hangqifu.core.choices import ServiceCategory
from hangqifu.core.errors import RuleViolation
from hangqifu.policy.services import policy_in_force, year_in_force
from vouchers.services import voucher_claims, funds
from vouchers.services.deductions import deduction_apply

from .money_factories import bureau_user, claimed_voucher, open_batch, order_in_state, provider_user, qualified_buyer

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("day", "in_force"), [
    (date(2026, 5, 2), False), (date(2026, 5, 3), True), (date(2028, 12, 31), True), (date(2029, 1, 1), False),
    (date(2025, 12, 31), False)])
def test_the_period_is_read_at_its_boundaries(day, in_force):
    assert policy_in_force(day) is in_force


def test_years_in_force():
    assert [year for year in range(2025, 2031) if year_in_force(year)] == [2026, 2027, 2028]


def _claim(buyer, batch):
    return voucher_claims.voucher_claim(actor=buyer, batch_id=batch.pk, voucher_type_id=batch.voucher_types.first().pk)


def test_claims_orders_and_deductions_are_refused_the_day_before_and_accepted_on_the_first_day(set_clock):
    set_clock("2026-05-02T10:00:00+08:00")
    batch = open_batch(opens="2026-05-01 09:00", types=((ServiceCategory.DIGITAL_EMPOWERMENT, "1000.00", 10),))
    buyer, provider = qualified_buyer(), provider_user()
    with pytest.raises(RuleViolation) as exc:
        _claim(buyer, batch)
    assert exc.value.code == "policy_not_in_force" and "2026年5月3日" in exc.value.detail
    with pytest.raises(RuleViolation) as exc:
        order_in_state(buyer, provider, "signed", amount="100.00")
    assert exc.value.code == "policy_not_in_force"
    set_clock("2026-05-03T00:00:00+08:00")
    assert _claim(buyer, batch).state == "live"
    assert order_in_state(buyer, provider, "signed", amount="100.00").state == "signed"


def test_after_the_last_day_nothing_new_starts(set_clock):
    set_clock("2028-12-31T10:00:00+08:00")
    batch = open_batch(year=2028, opens="2028-12-01 09:00", closes="2028-12-31 23:59",
                       types=((ServiceCategory.DIGITAL_EMPOWERMENT, "1000.00", 10),))
    buyer, provider = qualified_buyer(year=2028), provider_user()
    voucher = _claim(buyer, batch)
    order = order_in_state(buyer, provider, "rated", amount="1000.00")
    set_clock("2029-01-01T00:00:00+08:00")
    with pytest.raises(RuleViolation) as exc:
        deduction_apply(actor=buyer, order_id=order.pk, voucher_id=voucher.pk, amount="100.00",
                        declares_no_other_subsidy=True)
    assert exc.value.code == "policy_not_in_force" and "有效期至 2028年12月31日" in exc.value.detail
    set_clock("2028-12-31T23:00:00+08:00")
    assert deduction_apply(actor=buyer, order_id=order.pk, voucher_id=voucher.pk, amount="100.00",
                           declares_no_other_subsidy=True).amount == Decimal("100.00")


def test_batches_and_funds_must_lie_in_the_period(set_clock):
    set_clock("2026-04-20T10:00:00+08:00")
    bureau = bureau_user()
    funds.fund_create(actor=bureau, year=2026, total="100000.00")
    types = [{"category": ServiceCategory.DIGITAL_EMPOWERMENT, "face_value": "1000.00", "count": 5}]
    with pytest.raises(RuleViolation) as exc:
        funds.batch_create(actor=bureau, year=2026, opens_at=datetime(2026, 5, 2, 9, tzinfo=TZ),
                           closes_at=datetime(2026, 6, 1, 9, tzinfo=TZ), voucher_types=types)
    assert exc.value.code == "policy_not_in_force"
    # prepared ahead, opening on the first day: accepted
    batch = funds.batch_create(actor=bureau, year=2026, opens_at=datetime(2026, 5, 3, 9, tzinfo=TZ),
                               closes_at=datetime(2026, 6, 1, 9, tzinfo=TZ), voucher_types=types)
    assert batch.state == "draft"
    with pytest.raises(RuleViolation) as exc:
        funds.fund_create(actor=bureau, year=2029, total="100000.00")
    assert exc.value.code == "policy_not_in_force"


def test_the_api_answers_policy_not_in_force_in_the_error_format(set_clock, api_as):
    set_clock("2026-05-02T10:00:00+08:00")
    batch = open_batch(opens="2026-05-01 09:00")
    buyer = qualified_buyer()
    response = api_as(buyer).post(f"/api/v1/batches/{batch.pk}/claim/",
                                  {"voucher_type": batch.voucher_types.first().pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "policy_not_in_force" and "第二十二条" in response.json()["detail"]


def test_registration_approval_outside_the_period_is_refused(set_clock, make_user):
    from registration.services import review as review_services
    from registration.tests.factories import make_registration

    set_clock("2026-04-28T10:00:00+08:00")
    enterprise = make_user(role=Role.ENTERPRISE)
    reviewer = make_user(role=Role.SERVICE_CENTER)
    registration = make_registration(enterprise, state="submitted")
    registration = review_services.registration_pre_review(actor=reviewer, registration=registration, passed=True)
    with pytest.raises(RuleViolation) as exc:
        review_services.registration_approve(actor=reviewer, registration=registration)
    assert exc.value.code == "policy_not_in_force"
    set_clock("2026-05-03T09:00:00+08:00")
    registration, qualification = review_services.registration_approve(actor=reviewer, registration=registration)
    assert qualification.year == 2026


def test_redemption_payment_goes_on_after_the_period(set_clock):
    from hangqifu.policy.services import policy_for

    # the wind-down year keeps the parameters settlement reads (notice length, provider cap)
    set_clock("2029-03-01T10:00:00+08:00")
    assert policy_for().notice_working_days == 5 and not policy_in_force()
