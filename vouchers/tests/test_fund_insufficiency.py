"""资金总额不足的认定 (第四条): two bureau officials, the figures of the moment recorded, the year voided once."""
from decimal import Decimal

import pytest

from hangqifu.audit.models import AuditEvent
from hangqifu.core.errors import DomainError
from vouchers.models import Fund, FundInsufficiencyDeclaration, LedgerEntry, Voucher
from vouchers.services.deductions import deduction_check
from vouchers.services.fund_declarations import (
    insufficiency_confirm,
    insufficiency_propose,
    insufficiency_withdraw,
)

from .money_factories import bureau_user, claimed_voucher, open_batch, order_in_state, provider_user, qualified_buyer

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(set_clock):
    set_clock("2026-06-01T09:00:00+08:00")
    batch = open_batch(types=(("digital_empowerment", "1000.00", 10),))
    buyer = qualified_buyer()
    voucher = claimed_voucher(buyer, batch)
    claimed_voucher(qualified_buyer(), batch)
    order = order_in_state(buyer, provider_user(), "rated", amount="2000.00")
    return {"buyer": buyer, "voucher": voucher, "order": order, "first": bureau_user(), "second": bureau_user()}


def _code(call, **kwargs):
    with pytest.raises(DomainError) as excinfo:
        call(**kwargs)
    return excinfo.value.code


def test_a_proposal_records_what_remains_and_voids_nothing(year):
    declaration = insufficiency_propose(actor=year["first"], year=2026, reason="年度预算调减")
    assert declaration.remainder_at_proposal == Decimal("1000000.00")
    assert (declaration.live_count_at_proposal, declaration.live_balance_at_proposal) == (2, Decimal("2000.00"))
    assert Voucher.objects.filter(state="live").count() == 2
    assert Fund.objects.get(year=2026).exhausted_at is None
    assert AuditEvent.objects.filter(action="fund.insufficiency_proposed").count() == 1
    # one open proposal per year
    assert _code(insufficiency_propose, actor=year["second"], year=2026, reason="再提一次") == "declaration_pending"


def test_the_proposer_cannot_confirm_a_second_official_can_and_the_year_is_voided(year):
    declaration = insufficiency_propose(actor=year["first"], year=2026, reason="年度预算调减")
    assert _code(insufficiency_confirm, actor=year["first"], declaration_id=declaration.pk) == "permission_denied"
    assert _code(insufficiency_confirm, actor=year["buyer"], declaration_id=declaration.pk) == "permission_denied"
    confirmed = insufficiency_confirm(actor=year["second"], declaration_id=declaration.pk, note="同意")
    fund = Fund.objects.get(year=2026)
    assert (confirmed.state, confirmed.voided_count, confirmed.voided_amount) == ("confirmed", 2, Decimal("2000.00"))
    assert confirmed.remainder_at_decision == Decimal("1000000.00")
    assert (fund.exhaustion_cause, fund.deducted) == ("declared", Decimal("0.00"))
    assert not Voucher.objects.filter(state="live").exists()
    assert LedgerEntry.objects.filter(kind="void").count() == 2
    assert AuditEvent.objects.filter(action="fund.insufficiency_confirmed", actor=year["second"]).count() == 1
    assert AuditEvent.objects.filter(action="fund.exhausted", payload__cause="declared").count() == 1
    # confirmed once: no second confirmation, no new proposal, no deduction of the year
    assert _code(insufficiency_confirm, actor=year["second"], declaration_id=declaration.pk) == "invalid_transition"
    assert _code(insufficiency_propose, actor=year["first"], year=2026, reason="再提一次") == "fund_exhausted"
    assert _code(deduction_check, actor=year["buyer"], order_id=year["order"].pk, voucher_id=year["voucher"].pk,
                 amount="1.00", declares_no_other_subsidy=True) in ("fund_exhausted", "voucher_expired")


def test_a_withdrawn_proposal_voids_nothing_and_a_new_one_may_be_made(year):
    declaration = insufficiency_propose(actor=year["first"], year=2026, reason="年度预算调减")
    assert _code(insufficiency_withdraw, actor=year["buyer"], declaration_id=declaration.pk) == "permission_denied"
    insufficiency_withdraw(actor=year["first"], declaration_id=declaration.pk, note="预算恢复")
    assert FundInsufficiencyDeclaration.objects.get().state == "withdrawn"
    assert _code(insufficiency_confirm, actor=year["second"], declaration_id=declaration.pk) == "invalid_transition"
    assert Voucher.objects.filter(state="live").count() == 2
    insufficiency_propose(actor=year["second"], year=2026, reason="再次认定")


def test_only_the_bureau_proposes_and_a_reason_is_needed(year):
    assert _code(insufficiency_propose, actor=year["buyer"], year=2026, reason="理由足够长") == "permission_denied"
    assert _code(insufficiency_propose, actor=year["first"], year=2026, reason=" ") == "invalid"
    assert _code(insufficiency_propose, actor=year["first"], year=2031, reason="没有该年度资金") == "not_found"


def test_the_api_runs_the_two_person_declaration(year, api_as, django_assert_max_num_queries):
    first, second = api_as(year["first"]), api_as(year["second"])
    created = first.post("/api/v1/funds/2026/insufficiency-declarations/", {"reason": "年度预算调减"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["state"], body["remainder_at_proposal"], body["available_actions"]) == (
        "proposed", "1000000.00", ["withdraw"])
    assert first.post(f"/api/v1/fund-insufficiency-declarations/{body['id']}/confirm/", {}, format="json"
                      ).status_code == 403
    listed = second.get("/api/v1/funds/2026/insufficiency-declarations/").json()
    assert set(listed[0]["available_actions"]) == {"confirm", "withdraw"}
    confirmed = second.post(f"/api/v1/fund-insufficiency-declarations/{body['id']}/confirm/", {"note": "同意"},
                            format="json")
    assert confirmed.status_code == 200 and confirmed.json()["voided_count"] == 2
    assert api_as(year["buyer"]).get("/api/v1/funds/2026/insufficiency-declarations/").status_code == 403
    fund = second.get("/api/v1/funds/").json()["results"][0]
    assert fund["exhaustion_cause"] == "declared"


def test_the_declaration_page_shows_the_remainder_and_is_bounded(year, client, django_assert_max_num_queries):
    insufficiency_propose(actor=year["first"], year=2026, reason="年度预算调减")
    client.force_login(year["second"])
    with django_assert_max_num_queries(30):
        page = client.get("/vouchers/funds/2026/insufficiency/")
    text = page.content.decode()
    assert page.status_code == 200 and "资金余额" in text and "确认资金不足并作废当年服务券" in text
