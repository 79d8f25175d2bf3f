"""Suspension is not revocation (frozen vouchers, enforced in the money statements), change reports with
consequences (第九条), a voucher of one year never pays an order of another (I6), and the bureau's yearly
parameters inside what the measures fix."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from hangqifu.accounts.roles import Role
from hangqifu.audit.models import AuditEvent
from hangqifu.core.choices import ServiceCategory
from hangqifu.core.errors import InvalidInput, RuleViolation
from hangqifu.core.pending import pending_for
from hangqifu.documents.tests.factories import pdf_upload
from hangqifu.notifications.models import Notification
from hangqifu.policy.models import PolicyYear
from hangqifu.policy.services import policy_update
from registration.models import ChangeReport, Qualification
from registration.services import change_reports as change_services
from registration.services.qualification import qualification_reinstate, qualification_suspend
from vouchers.models import Deduction, Order, Voucher
from vouchers.services import voucher_claims
from vouchers.services.deductions import _move_money, deduction_apply

from .money_factories import claimed_voucher, open_batch, order_in_state, provider_user, qualified_buyer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(set_clock, make_user):
    set_clock("2026-06-01T09:00:00+08:00")
    batch = open_batch(types=((ServiceCategory.DIGITAL_EMPOWERMENT, "1000.00", 10),))
    buyer = qualified_buyer(quota="5000.00")
    voucher = claimed_voucher(buyer, batch)
    order = order_in_state(buyer, provider_user(), "rated", amount="2000.00")
    return {"batch": batch, "buyer": buyer, "voucher": voucher, "order": order,
            "center": make_user(role=Role.SERVICE_CENTER)}


def _qualification(world):
    return Qualification.objects.get(organisation=world["buyer"].organisation)


def _deduct(world, amount="500.00"):
    return deduction_apply(actor=world["buyer"], order_id=world["order"].pk, voucher_id=world["voucher"].pk,
                           amount=amount, declares_no_other_subsidy=True)


# --- suspension freezes, reinstatement restores ---------------------------------------------------------

def test_a_frozen_voucher_cannot_deduct_and_is_usable_again_after_reinstatement(world):
    qualification_suspend(actor=world["center"], qualification=_qualification(world), reason="核查中")
    with pytest.raises(RuleViolation) as exc:
        _deduct(world)
    assert exc.value.code == "voucher_frozen" and "冻结" in exc.value.detail
    with pytest.raises(RuleViolation) as exc:
        voucher_claims.voucher_claim(actor=world["buyer"], batch_id=world["batch"].pk,
                             voucher_type_id=world["batch"].voucher_types.first().pk)
    assert exc.value.code == "not_eligible"
    voucher = Voucher.objects.select_related("qualification").get(pk=world["voucher"].pk)
    assert voucher.status_label == "已冻结（资格暂停中）" and not voucher.is_usable()
    qualification_reinstate(actor=world["center"], qualification=_qualification(world), reason="核查无误")
    assert _deduct(world).amount == Decimal("500.00")
    assert Notification.objects.filter(subject__contains="资格已恢复", user__organisation=world["buyer"].organisation,
                                       body__contains="1 张未过期的服务券已恢复可用").exists()


def test_the_deduction_statement_refuses_a_frozen_voucher_without_the_python_check(world):
    qualification_suspend(actor=world["center"], qualification=_qualification(world), reason="核查中")
    voucher = Voucher.objects.select_related("qualification__organisation").get(pk=world["voucher"].pk)
    with pytest.raises(RuleViolation):
        _move_money(actor=world["buyer"], order=world["order"], voucher=voucher, amount=Decimal("1.00"),
                    ratio=Decimal("0.5"), now=world["order"].rated_at, check=lambda fund: None)
    assert not Deduction.objects.exists() and Voucher.objects.get(pk=voucher.pk).balance == Decimal("1000.00")


def test_a_voucher_frozen_past_its_validity_expires_and_is_not_restored(world, set_clock):
    from vouchers.services.expiry import vouchers_expire_due

    qualification_suspend(actor=world["center"], qualification=_qualification(world), reason="核查中")
    set_clock("2027-01-01T00:30:00+08:00")
    assert vouchers_expire_due()["count"] == 1
    qualification_reinstate(actor=world["center"], qualification=_qualification(world), reason="核查无误")
    assert Voucher.objects.get(pk=world["voucher"].pk).state == "expired"


# --- change reports ------------------------------------------------------------------------------------

def _report(world, **kwargs):
    return change_services.change_report_create(
        actor=world["buyer"], change_kind=kwargs.pop("change_kind", "major_change"),
        change_date=kwargs.pop("change_date", date(2026, 5, 25)), description="变化说明", evidence=pdf_upload(),
        **kwargs)


def test_a_reclassification_to_large_suspends_pending_review_and_staff_decide(world):
    report = _report(world, change_kind="size_reclassification", new_size_class="large")
    assert report.suspended_qualification
    assert (_qualification(world).state, _qualification(world).suspension_cause) == ("suspended", "change_report")
    assert Voucher.objects.get(pk=world["voucher"].pk).state == "live"  # frozen, not voided
    with pytest.raises(RuleViolation):
        qualification_reinstate(actor=world["center"], qualification=_qualification(world), reason="x")
    with pytest.raises(InvalidInput) as exc:
        change_services.change_report_review(actor=world["center"], report=report, opinion="核查")
    assert "decision" in exc.value.fields
    change_services.change_report_review(actor=world["center"], report=report, opinion="营业收入超标，属大型企业",
                                         decision="revoke")
    assert _qualification(world).state == "revoked"
    assert Voucher.objects.get(pk=world["voucher"].pk).state == "voided"
    assert AuditEvent.objects.filter(action="change_report.review", payload__decision="revoke").exists()


def test_a_change_declared_to_affect_eligibility_suspends_and_reinstatement_restores(world):
    report = _report(world, affects_eligibility=True)
    assert _qualification(world).state == "suspended"
    change_services.change_report_review(actor=world["center"], report=report, opinion="仍属制造业",
                                         decision="reinstate")
    assert _qualification(world).state == "active"
    assert _deduct(world).amount == Decimal("500.00")


def test_a_reclassification_within_sme_changes_nothing_but_is_reviewed(world):
    report = _report(world, change_kind="size_reclassification", new_size_class="medium")
    assert not report.suspended_qualification and _qualification(world).state == "active"
    change_services.change_report_review(actor=world["center"], report=report, opinion="已核")
    assert ChangeReport.objects.get(pk=report.pk).decision == "keep"


def test_a_late_report_is_a_staff_task_on_the_home_page(world, set_clock):
    set_clock("2026-07-01T09:00:00+08:00")
    report = _report(world, change_date=date(2026, 5, 25))  # 15 working days ended in June
    assert report.is_late and not report.suspended_qualification
    items = {item.title: item.count for item in pending_for(world["center"])}
    assert items["逾期报告的变更：待决定是否取消资格"] == 1
    assert Notification.objects.filter(user=world["center"], subject__contains="待决定是否取消资格").exists()
    change_services.change_report_review(actor=world["center"], report=report, opinion="情节轻微", decision="keep")
    items = {item.title: item.count for item in pending_for(world["center"])}
    assert "逾期报告的变更：待决定是否取消资格" not in items


# --- one year's voucher, one year's order --------------------------------------------------------------

def test_a_voucher_of_one_year_cannot_pay_an_order_of_another(world):
    Order.objects.filter(pk=world["order"].pk).update(year=2025)  # an order signed in an earlier year
    with pytest.raises(RuleViolation) as exc:
        _deduct(world)
    assert exc.value.code == "year_mismatch" and "2026 年度的服务券不能抵扣 2025 年度的订单" in exc.value.detail


@pytest.mark.postgres
def test_the_database_refuses_a_deduction_across_years(world):
    deduction = _deduct(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE vouchers_deduction SET year = 2027 WHERE id = %s", [deduction.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE vouchers_order SET year = 2027 WHERE id = %s", [world["order"].pk])
            cursor.execute("UPDATE vouchers_deduction SET order_id = order_id WHERE id = %s", [deduction.pk])


# --- yearly parameters inside the measures ----------------------------------------------------------------

@pytest.mark.parametrize(("field", "inside", "outside"), [
    ("deduction_ratio", Decimal("0.500"), Decimal("0.501")),
    ("quota_default", Decimal("5000.00"), Decimal("5000.01")),
    ("quota_tier2", Decimal("10000.00"), Decimal("10000.01")),
    ("quota_tier3", Decimal("20000.00"), Decimal("20000.01")),
    ("provider_annual_cap", Decimal("500000.00"), Decimal("500000.01")),
])
def test_parameters_stay_inside_the_measures_unless_a_later_text_is_recorded(field, inside, outside, make_user):
    bureau = make_user(role=Role.BUREAU)
    assert getattr(policy_update(actor=bureau, year=2027, changes={field: inside}), field) == inside
    with pytest.raises(InvalidInput) as exc:
        policy_update(actor=bureau, year=2027, changes={field: outside})
    assert field in exc.value.fields and "管理办法" in exc.value.fields[field][0]
    policy = policy_update(actor=bureau, year=2027, changes={field: outside, "policy_basis": "杭经信联中小〔2027〕1号"})
    assert getattr(policy, field) == outside


@pytest.mark.postgres
def test_the_database_keeps_the_measures_limits():
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyYear.objects.filter(year=2027).update(deduction_ratio=Decimal("0.6"))
    PolicyYear.objects.filter(year=2027).update(deduction_ratio=Decimal("0.6"), policy_basis="后续文件")


def test_the_api_refuses_a_parameter_outside_the_measures(api_as, make_user):
    bureau = make_user(role=Role.BUREAU)
    response = api_as(bureau).patch("/api/v1/policy-years/2027/", {"quota_default": "6000.00"}, format="json")
    assert response.status_code == 400 and "quota_default" in response.json()["fields"]
    assert PolicyYear.objects.get(year=2027).quota_default == Decimal("5000.00")

