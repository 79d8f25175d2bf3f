"""第二十条 money recovery: fraud confirmed → ban, reversal entries in the ledger (verify_ledger stays green), a
recovery tracked open → partially_repaid → repaid, and a provider's removal through the removal FSM."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.audit.models import AuditEvent
from hangqifu.core.errors import DomainError, NotPermitted
from providers.models import Removal, RemovalReason
from sanctions.models import Sanction
from sanctions.services import is_banned
from supervision.models import Recovery
from supervision.recovery import fraud_confirm, repayment_record
from vouchers.models import LedgerEntry
from vouchers.services.deductions import deduction_apply
from vouchers.services.ledger import ledger_verify
from vouchers.tests.money_factories import voucher_and_rated_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def deducted(set_clock):
    """A buyer whose 10000 order took a real 5000 deduction (through the vouchers services)."""
    set_clock("2026-06-01T09:00:00+08:00")
    world = voucher_and_rated_order()
    deduction_apply(actor=world["buyer"], order_id=world["order"].pk, voucher_id=world["voucher"].pk,
                    amount="5000.00", declares_no_other_subsidy=True)
    return world


def test_fraud_confirmed_bans_reverses_in_the_ledger_and_verify_ledger_stays_green(deducted, make_user, capsys):
    # given
    bureau = make_user(role=Role.BUREAU)
    buyer = deducted["buyer"].organisation
    # when
    recovery = fraud_confirm(actor=bureau, organisation=buyer, reason="虚构服务合同套取服务券",
                             order_ids=[deducted["order"].pk])
    # then
    assert recovery.amount == Decimal("5000.00") and recovery.state == Recovery.State.OPEN
    assert is_banned(buyer) and Sanction.objects.get(pk=recovery.sanction_id).organisation == buyer
    reversal = LedgerEntry.objects.get(kind=LedgerEntry.Kind.REVERSAL)
    assert (reversal.amount, reversal.order_id, reversal.reference) == (Decimal("5000.00"), deducted["order"].pk,
                                                                       recovery.number)
    assert ledger_verify().ok, ledger_verify().problems
    call_command("verify_ledger")
    assert "台账核对通过" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="recovery.open", object_id=str(recovery.pk)).exists()


def test_the_same_deduction_cannot_be_recovered_twice(deducted, make_user):
    bureau = make_user(role=Role.BUREAU)
    fraud_confirm(actor=bureau, organisation=deducted["buyer"].organisation, reason="虚构合同",
                  order_ids=[deducted["order"].pk])
    with pytest.raises(DomainError) as excinfo:
        fraud_confirm(actor=bureau, organisation=deducted["buyer"].organisation, reason="再次认定",
                      order_ids=[deducted["order"].pk])
    assert excinfo.value.code == "already_recovered"
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REVERSAL).count() == 1


def test_a_reversal_larger_than_its_deduction_breaks_verify_ledger(deducted):
    # given a hand-written reversal over the deducted amount (what the service can never write)
    deduction = deducted["order"].deduction
    LedgerEntry.objects.create(kind=LedgerEntry.Kind.REVERSAL, year=2026, amount=Decimal("5000.01"),
                               deduction=deduction, order=deducted["order"], business_time=deduction.created_at)
    # then
    report = ledger_verify()
    assert not report.ok and any("追回冲销" in p for p in report.problems)


def test_repayments_move_the_recovery_to_partially_repaid_then_repaid(deducted, make_user):
    bureau, finance = make_user(role=Role.BUREAU), make_user(role=Role.FINANCE_BUREAU)
    recovery = fraud_confirm(actor=bureau, organisation=deducted["buyer"].organisation, reason="虚构合同",
                             order_ids=[deducted["order"].pk])
    repayment_record(actor=finance, recovery=recovery, amount="2000.00", reference="JK001", paid_on=date(2026, 6, 1))
    recovery = Recovery.objects.get(pk=recovery.pk)
    assert (recovery.state, recovery.repaid) == (Recovery.State.PARTIALLY_REPAID, Decimal("2000.00"))
    with pytest.raises(DomainError) as excinfo:
        repayment_record(actor=finance, recovery=recovery, amount="3000.01", reference="JK002",
                         paid_on=date(2026, 6, 1))
    assert excinfo.value.code == "over_repayment"
    repayment_record(actor=finance, recovery=recovery, amount="3000.00", reference="JK002", paid_on=date(2026, 6, 1))
    recovery = Recovery.objects.get(pk=recovery.pk)
    assert (recovery.state, recovery.outstanding) == (Recovery.State.REPAID, Decimal("0.00"))
    with pytest.raises(DomainError):
        repayment_record(actor=finance, recovery=recovery, amount="1.00", reference="JK003", paid_on=date(2026, 6, 1))


def test_only_the_bureau_confirms_fraud_and_a_reason_is_required(deducted, make_user):
    with pytest.raises(NotPermitted):
        fraud_confirm(actor=make_user(role=Role.SERVICE_CENTER), organisation=deducted["buyer"].organisation,
                      reason="虚构合同", order_ids=[deducted["order"].pk])
    with pytest.raises(DomainError) as excinfo:
        fraud_confirm(actor=make_user(role=Role.BUREAU), organisation=deducted["buyer"].organisation, reason=" ",
                      order_ids=[deducted["order"].pk])
    assert excinfo.value.code == "reason_required"
    assert not Recovery.objects.exists() and not Sanction.objects.exists()


def test_fraud_by_a_provider_goes_through_the_removal_fsm(deducted, make_user):
    bureau = make_user(role=Role.BUREAU)
    provider = deducted["provider"].organisation
    recovery = fraud_confirm(actor=bureau, organisation=provider, reason="与企业串通虚构服务",
                             order_ids=[deducted["order"].pk])
    removal = Removal.objects.get(profile__organisation=provider)
    assert (removal.reason, removal.state) == (RemovalReason.FAKE_TRANSACTIONS, Removal.State.CONFIRMED)
    assert is_banned(provider) and recovery.organisation == provider


def test_the_api_confirms_fraud_lists_recoveries_and_records_repayments(deducted, make_user, api_as):
    bureau, finance, center = (make_user(role=Role.BUREAU), make_user(role=Role.FINANCE_BUREAU),
                               make_user(role=Role.SERVICE_CENTER))
    buyer = deducted["buyer"]
    body = {"organisation": buyer.organisation_id, "reason": "虚构合同", "orders": [deducted["order"].pk]}
    assert api_as(center).post("/api/v1/recoveries/", body, format="json").status_code == 403
    created = api_as(bureau).post("/api/v1/recoveries/", body, format="json")
    assert created.status_code == 201, created.json()
    recovery = created.json()
    assert (recovery["amount"], recovery["state"], recovery["orders"][0]["order"]) == (
        "5000.00", "open", deducted["order"].pk)
    # the organisation sees its own recovery; another enterprise sees none
    assert api_as(buyer).get("/api/v1/recoveries/").json()["count"] == 1
    assert api_as(make_user(role=Role.ENTERPRISE)).get("/api/v1/recoveries/").json()["count"] == 0
    paid = api_as(finance).post(f"/api/v1/recoveries/{recovery['id']}/repayments/",
                                {"amount": "5000.00", "reference": "JK-2026-1", "paid_on": "2026-06-01"},
                                format="json")
    assert paid.status_code == 200 and paid.json()["state"] == "repaid"
    again = api_as(finance).post(f"/api/v1/recoveries/{recovery['id']}/repayments/",
                                 {"amount": "1.00", "reference": "JK-2026-2", "paid_on": "2026-06-01"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_the_pages_confirm_fraud_and_show_the_recovery_to_its_organisation_only(deducted, make_user, client):
    bureau = make_user(role=Role.BUREAU)
    client.force_login(bureau)
    response = client.post(reverse("audit:fraud-confirm"), {
        "organisation": deducted["buyer"].organisation_id, "reason": "虚构合同套取服务券",
        "orders": deducted["order"].number, "claims": "", "ban_years": 3})
    recovery = Recovery.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("audit:recovery-detail", args=[recovery.pk])
    empty = client.post(reverse("audit:fraud-confirm"), {"organisation": deducted["buyer"].organisation_id,
                                                         "reason": "再次", "orders": "", "claims": "", "ban_years": 3})
    assert "至少一个订单或兑付申请" in empty.content.decode() and Recovery.objects.count() == 1
    client.force_login(deducted["buyer"])
    page = client.get(reverse("audit:recovery-detail", args=[recovery.pk]))
    assert page.status_code == 200 and "¥5,000.00" in page.content.decode()
    client.force_login(make_user(role=Role.ENTERPRISE))
    assert client.get(reverse("audit:recovery-detail", args=[recovery.pk])).status_code == 404
    assert client.get(reverse("audit:fraud-confirm")).status_code == 403


def test_staff_read_recoveries_spot_checks_and_signals_in_the_admin(deducted, make_user, client):
    bureau = make_user(role=Role.BUREAU)
    recovery = fraud_confirm(actor=bureau, organisation=deducted["buyer"].organisation, reason="虚构合同",
                             order_ids=[deducted["order"].pk])
    client.force_login(make_user(role=Role.FINANCE_BUREAU))
    for name in ("recovery", "spotcheck", "fraudsignal"):
        assert client.get(reverse(f"admin:supervision_{name}_changelist")).status_code == 200, name
    page = client.get(reverse("admin:supervision_recovery_change", args=[recovery.pk]))
    assert page.status_code == 200 and deducted["order"].number in page.content.decode()
    assert client.get(reverse("admin:supervision_recovery_add")).status_code == 403


def test_recording_a_repayment_asks_who_before_where_and_the_page_offers_it_while_open(deducted, make_user, client):
    bureau, finance = make_user(role=Role.BUREAU), make_user(role=Role.FINANCE_BUREAU)
    recovery = fraud_confirm(actor=bureau, organisation=deducted["buyer"].organisation, reason="虚构合同",
                             order_ids=[deducted["order"].pk])
    client.force_login(finance)
    assert 'data-testid="repayment-form"' in client.get(reverse("audit:recovery-detail",
                                                                 args=[recovery.pk])).content.decode()
    repayment_record(actor=finance, recovery=recovery, amount="5000.00", reference="JK001", paid_on=date(2026, 6, 1))
    # when the service center records one on the repaid recovery: 403, not the state
    with pytest.raises(NotPermitted) as refused:
        repayment_record(actor=make_user(role=Role.SERVICE_CENTER), recovery=recovery, amount="1.00",
                         reference="JK002", paid_on=date(2026, 6, 1))
    assert refused.value.status == 403
    # and the finance bureau learns it is repaid in full (409)
    with pytest.raises(DomainError) as wrong_state:
        repayment_record(actor=finance, recovery=recovery, amount="1.00", reference="JK002", paid_on=date(2026, 6, 1))
    assert (wrong_state.value.status, wrong_state.value.detail) == (409, "该笔追回已全部完成")
    # then the page no longer offers the form
    assert 'data-testid="repayment-form"' not in client.get(reverse("audit:recovery-detail",
                                                                     args=[recovery.pk])).content.decode()
