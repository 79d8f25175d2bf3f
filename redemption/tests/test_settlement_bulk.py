"""The set-based settlement steps (chunked collect, bulk notice items, disbursement by SQL) write the same rows
as the per-claim code they replace, survive a crash between chunks, send a number of queries that does not
grow with the claims, and the empty batch can be cancelled."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_fsm_log.models import StateLog

from hangqifu.audit.models import AuditEvent
from hangqifu.core.errors import DomainError
from hangqifu.notices import services as notice_services
from hangqifu.notices.models import NoticeItem
from vouchers.models.ledger import LedgerEntry

from ..ledger import verify_redemption_ledger
from ..models import ClaimLine, DisbursementOrder, DistrictPayment, RedemptionClaim, SettlementBatch
from ..services import collection, disbursement
from ..services import settlement as services
from . import factories
from .factories import approved_claim, deducted_order
from .test_settlement import S

pytestmark = pytest.mark.django_db


def _claims(n, center, bureau, districts=("xihu", "binjiang"), *, one_provider=False):
    """n approved claims (one or two deducted orders each), each of its own provider unless one_provider."""
    claims, provider = [], None
    for i in range(n):
        if provider is None or not one_provider:
            provider = factories.provider_user(districts[i % len(districts)], name=f"杭州测试{i}服务有限公司")
        orders = [deducted_order(provider.organisation, amount="4000.00", deduction="2000.00")
                  for _ in range(1 + i % 2)]
        claims.append(approved_claim(provider, orders, center=center, bureau=bureau))
    return claims


def _open(center):
    return services.batch_open(actor=center, period_start=date(2026, 5, 1), period_end=date(2026, 6, 30))


def _collect_trail(batch_id):
    """What collecting leaves behind: per claim its state, the audit event and the FSM log row."""
    content_type = ContentType.objects.get_for_model(RedemptionClaim)
    return {
        "claims": sorted(RedemptionClaim.objects.filter(batch_id=batch_id).values_list("pk", "state")),
        "events": sorted(AuditEvent.objects.filter(action="settlement.collect_claim").values_list(
            "object_type", "object_id", "organisation_id", "from_state", "to_state", "payload")),
        "log": sorted(StateLog.objects.filter(content_type=content_type, transition="enter_settlement")
                      .values_list("object_id", "source_state", "state", "by_id")),
    }


def test_collect_moves_each_claim_once_with_its_audit_event_and_fsm_log_row(now, center, bureau, run):
    claims = _claims(3, center, bureau)
    batch = _open(center)
    run(services.batch_close, batch=batch, actor=center)
    batch = S(batch.pk)
    assert batch.state == SettlementBatch.State.COLLECTED and batch.task_done == batch.task_total == 3
    trail = _collect_trail(batch.pk)
    # the same rows the per-claim transition wrote: one event and one FSM log row per claim, states and owner
    assert trail["claims"] == sorted((c.pk, "in_settlement") for c in claims)
    assert trail["events"] == sorted(("redemptionclaim", str(c.pk), c.provider_id, "approved", "in_settlement",
                                      {"batch": batch.pk, "district": c.provider.district}) for c in claims)
    assert trail["log"] == sorted((c.pk, "approved", "in_settlement", None) for c in claims)


def test_a_collect_killed_between_chunks_and_rerun_collects_each_claim_once(now, center, bureau, monkeypatch):
    claims = _claims(5, center, bureau)
    monkeypatch.setattr(collection, "COLLECT_CHUNK", 2)
    batch = _open(center)
    services.batch_close(batch=batch, actor=center)  # the task is not run on commit here
    # given a worker that dies (kill -9: nothing after the crash point commits) in the third chunk
    real_audit = collection.audit_record_many
    calls = []

    def dying(events):
        calls.append(len(events))
        if len(calls) == 3:
            raise SystemExit("worker killed")
        return real_audit(events)

    monkeypatch.setattr(collection, "audit_record_many", dying)
    with pytest.raises(SystemExit):
        collection.batch_collect(batch_id=batch.pk)
    # then the two finished chunks are committed with their progress, the third left nothing
    partial = S(batch.pk)
    assert partial.state == SettlementBatch.State.COLLECTING and partial.task_done == 4
    assert partial.claims.count() == 4 and len(_collect_trail(batch.pk)["events"]) == 4
    # when the task runs again (redelivered), and once more
    monkeypatch.setattr(collection, "audit_record_many", real_audit)
    assert collection.batch_collect(batch_id=batch.pk) == {"batch": batch.pk, "collected": 1}
    assert collection.batch_collect(batch_id=batch.pk) == {"batch": batch.pk, "skipped": "collected"}
    # then every claim was collected exactly once, as by an uninterrupted run
    batch = S(batch.pk)
    assert batch.state == SettlementBatch.State.COLLECTED and batch.task_done == batch.task_total == 5
    trail = _collect_trail(batch.pk)
    assert trail["claims"] == sorted((c.pk, "in_settlement") for c in claims)
    assert [row[1] for row in trail["events"]] == sorted(str(c.pk) for c in claims)
    assert sorted(row[0] for row in trail["log"]) == sorted(c.pk for c in claims)


def test_collect_sends_the_same_queries_whatever_the_claims_per_chunk(now, center, bureau, monkeypatch):
    # one provider: the audit trail appends per hash chain (organisation % 16), so a chunk sends at most 16
    # appends whatever its size; with one provider the count must be exactly the same
    claims = _claims(6, center, bureau, one_provider=True)
    monkeypatch.setattr(collection, "COLLECT_CHUNK", 100)
    counts = []
    for share in (claims[:2], claims[2:]):  # a chunk of 2 claims, then a chunk of 4
        # only these claims are collectable for this batch
        others = [c.pk for c in claims if c not in share]
        RedemptionClaim.objects.filter(pk__in=others, batch__isnull=True).update(under_investigation=True)
        batch = _open(center)
        services.batch_close(batch=batch, actor=center)
        with CaptureQueriesContext(connection) as queries:
            collection.batch_collect(batch_id=batch.pk)
        counts.append(len(queries))
        assert S(batch.pk).claims.count() == len(share)
        RedemptionClaim.objects.filter(pk__in=others).update(under_investigation=False)
    assert counts[0] == counts[1]


def _expected_ledger(batch):
    """The ledger as settlement must leave it: one redemption row per claim line of each disbursement order."""
    rows = []
    for order in batch.disbursement_orders.all():
        for line in ClaimLine.objects.filter(claim__payment__disbursement_order=order).select_related(
                "deduction", "claim"):
            rows.append(("redemption", line.deduction.year, line.verified_amount, line.claim.provider_id,
                         line.deduction.fund_id, line.deduction.voucher_id, line.order_id, line.deduction_id,
                         line.claim.number, f"{order.number} 兑付", order.issued_at))
    return sorted(rows)


def _notice_closed(run, set_clock, center, bureau) -> SettlementBatch:
    """A batch of every approved claim taken through collection, approval and its notice, the notice closed
    without objection."""
    batch = _open(center)
    run(services.batch_close, batch=batch, actor=center)
    run(services.batch_approve, batch=S(batch.pk), actor=bureau)
    batch = run(services.batch_publish, batch=S(batch.pk), actor=bureau)
    set_clock(batch.notice.closes_at + timedelta(hours=10))
    run(notice_services.notices_close_expired)
    return S(batch.pk)


def _disbursed(run, set_clock, center, bureau, finance) -> SettlementBatch:
    """A batch of every approved claim taken through collection, its notice (closed without objection) and both
    signatures, its disbursement issued."""
    batch = _notice_closed(run, set_clock, center, bureau)
    run(services.batch_sign, batch=S(batch.pk), actor=bureau)
    run(services.batch_sign, batch=S(batch.pk), actor=finance)
    return S(batch.pk)


def test_issue_writes_the_same_payment_lines_and_ledger_rows_as_per_claim(now, center, bureau, finance, run,
                                                                          set_clock):
    claims = _claims(5, center, bureau)
    batch = _disbursed(run, set_clock, center, bureau, finance)
    assert batch.notice.items.count() == 5
    assert batch.state == SettlementBatch.State.DISBURSED
    # one payment line per provider with its claims' sum; every claim linked to its provider's line
    for claim in RedemptionClaim.objects.filter(batch=batch).select_related("payment"):
        assert claim.payment.provider_id == claim.provider_id
        assert claim.payment.amount == claim.verified_amount and claim.payment.claim_count == 1
    assert batch.payments.count() == 5
    for order in batch.disbursement_orders.all():
        assert order.total == sum((p.amount for p in order.payments.all()), Decimal("0"))
        assert order.claim_count == RedemptionClaim.objects.filter(payment__disbursement_order=order).count()
    actual = sorted(LedgerEntry.objects.filter(kind="redemption").values_list(
        "kind", "year", "amount", "organisation_id", "fund_id", "voucher_id", "order_id", "deduction_id",
        "reference", "memo", "business_time"))
    assert actual == _expected_ledger(batch)
    assert len(actual) == sum(c.lines.count() for c in claims) == 7
    assert verify_redemption_ledger() == []


def test_an_issue_that_links_fewer_claims_than_it_summed_issues_nothing(now, center, bureau, finance, run,
                                                                        set_clock, monkeypatch):
    _claims(3, center, bureau, districts=("xihu",))
    linking = disbursement._link_claims
    monkeypatch.setattr(disbursement, "_link_claims", lambda *args: linking(*args) - 1)
    # when
    with pytest.raises(RuntimeError, match="2 of 3 claims"):
        _disbursed(run, set_clock, center, bureau, finance)
    # then: neither the order, its lines, a link nor a ledger entry stays
    assert not DisbursementOrder.objects.exists() and not DistrictPayment.objects.exists()
    assert not RedemptionClaim.objects.filter(payment__isnull=False).exists()
    assert not LedgerEntry.objects.filter(kind="redemption").exists()


def test_notice_close_clears_items_with_one_statement_and_logs_each(now, center, bureau, run, set_clock):
    _claims(4, center, bureau)
    batch = _notice_closed(run, set_clock, center, bureau)
    items = NoticeItem.objects.filter(notice=batch.notice)
    assert {item.state for item in items} == {NoticeItem.State.CLEARED}
    assert all(item.decided_at is not None for item in items)
    content_type = ContentType.objects.get_for_model(NoticeItem)
    assert sorted(StateLog.objects.filter(content_type=content_type, transition="clear").values_list(
        "object_id", "source_state", "state")) == sorted((i.pk, "listed", "cleared") for i in items)
    close = AuditEvent.objects.get(action="notice.close")
    assert close.payload["counts"] == {"cleared": 4, "withdrawn": 0, "held": 0}
    assert S(batch.pk).state == SettlementBatch.State.NOTICE_CLOSED


def test_an_empty_collected_batch_can_be_cancelled_by_the_service_center(now, center, bureau, run, client):
    from ..views import batch_actions_for

    batch = _open(center)
    run(services.batch_close, batch=batch, actor=center)
    batch = S(batch.pk)
    assert batch.state == SettlementBatch.State.COLLECTED and not batch.claims.exists()
    assert ("cancel", "取消空批次", "") in batch_actions_for(batch, center)
    assert ("cancel", "取消空批次", "") not in batch_actions_for(batch, bureau)
    with pytest.raises(DomainError) as refused:
        services.batch_cancel(batch=batch, actor=bureau)
    assert refused.value.status == 403
    services.batch_cancel(batch=batch, actor=center)
    assert S(batch.pk).state == SettlementBatch.State.CANCELLED
    assert AuditEvent.objects.filter(action="settlement.cancel", object_id=str(batch.pk), to_state="cancelled",
                                     actor_id=center.pk).exists()
    # cancelled is final, and a new batch can be opened
    with pytest.raises(DomainError) as refused:
        services.batch_cancel(batch=S(batch.pk), actor=center)
    assert refused.value.status == 409
    assert _open(center).state == SettlementBatch.State.OPEN


def test_a_batch_with_claims_cannot_be_cancelled(now, center, bureau, run):
    _claims(1, center, bureau)
    batch = _open(center)
    run(services.batch_close, batch=batch, actor=center)
    with pytest.raises(DomainError) as refused:
        services.batch_cancel(batch=S(batch.pk), actor=center)
    assert refused.value.code == "batch_not_empty" and refused.value.status == 409
    assert S(batch.pk).state == SettlementBatch.State.COLLECTED


def test_cancel_through_the_api_and_the_batch_page(now, center, bureau, run, client):
    from django.urls import reverse

    batch = _open(center)
    run(services.batch_close, batch=batch, actor=center)
    client.force_login(center)
    page = client.get(reverse("redemption:batch-detail", args=[batch.pk]))
    assert b'data-testid="batch-cancel"' in page.content
    client.force_login(bureau)
    url = f"/api/v1/settlement-batches/{batch.pk}/cancel/"
    refused = client.post(url)
    assert refused.status_code == 403
    client.force_login(center)
    response = client.post(url)
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    again = client.post(url)
    assert again.status_code == 409


def test_an_empty_collected_batch_cannot_be_approved_the_condition_says_why(now, center, bureau, run):
    # given a batch that collected nothing
    batch = _open(center)
    run(services.batch_close, batch=batch, actor=center)
    # when the bureau approves it: the transition's condition (collected_claims) refuses with its own code
    with pytest.raises(DomainError) as refused:
        services.batch_approve(batch=S(batch.pk), actor=bureau)
    assert refused.value.code == "batch_empty" and refused.value.status == 409
    # and the service center, whom approval does not admit, is told 403 before the rule
    with pytest.raises(DomainError) as denied:
        services.batch_approve(batch=S(batch.pk), actor=center)
    assert denied.value.status == 403
    assert S(batch.pk).state == SettlementBatch.State.COLLECTED


def test_the_page_offers_approving_an_empty_batch_disabled_with_the_conditions_reason(now, center, bureau, run,
                                                                                      api_as):
    from ..views import batch_actions_for

    batch = _open(center)
    run(services.batch_close, batch=batch, actor=center)
    batch = S(batch.pk)
    # then the bureau's 审批 shows why not, and the API does not list it as something to do now
    assert batch_actions_for(batch, bureau) == [
        ("approve", "审批结算批次", "本批次没有归集到兑付申请，无需审批（可由市工信服务中心取消本批次）")]
    assert api_as(bureau).get(f"/api/v1/settlement-batches/{batch.pk}/").json()["available_actions"] == []
    assert api_as(center).get(f"/api/v1/settlement-batches/{batch.pk}/").json()["available_actions"] == ["cancel"]


def test_a_settlement_in_small_chunks_verifies_and_tells_each_provider_user_once_per_step(
        now, center, bureau, finance, run, set_clock, monkeypatch):
    from hangqifu.audit.chain import verify_chains
    from hangqifu.notifications import services as notification_services
    from hangqifu.notifications.models import Notification
    from vouchers.services.ledger import ledger_verify

    from ..services import disbursement

    # given providers with two active users and one inactive, one of them with three claims, and every
    # chunk (collect, audit rows, notice items, messages, claim links) smaller than the work
    claims = _claims(4, center, bureau) + _claims(2, center, bureau, one_provider=True)
    for provider in {claim.provider for claim in claims}:
        factories.UserFactory(role="provider", organisation=provider)
        factories.UserFactory(role="provider", organisation=provider, is_active=False)
    monkeypatch.setattr(collection, "COLLECT_CHUNK", 2)
    monkeypatch.setattr("hangqifu.audit.services._BATCH", 3)
    monkeypatch.setattr(notice_services, "ITEM_CHUNK", 2)
    monkeypatch.setattr(notification_services, "CHUNK", 2)
    monkeypatch.setattr(disbursement, "CHUNK", 1)
    providers = {c.provider_id for c in claims}
    # (the factories' vouchers skip the claim service's entries, so the vouchers' checks are compared, not zero)
    vouchers_problems = ledger_verify().problems
    # when the batch goes from collection to disbursement
    batch = _disbursed(run, set_clock, center, bureau, finance)
    # then every claim is on its provider's one line, and the ledger and every audit chain verify
    assert batch.state == SettlementBatch.State.DISBURSED and batch.payments.count() == len(providers)
    for claim in RedemptionClaim.objects.filter(batch=batch).select_related("payment"):
        assert claim.payment.provider_id == claim.provider_id and claim.payment.batch_id == batch.pk
    assert batch.notice.items.filter(state=NoticeItem.State.CLEARED).count() == len(claims)
    assert verify_redemption_ledger() == [] and ledger_verify().problems == vouchers_problems
    assert verify_chains(AuditEvent.objects.all()).ok
    assert AuditEvent.objects.filter(action="settlement.collect_claim").count() == len(claims)
    # and each active user of a provider heard once of the notice and once of its payment line
    told = Notification.objects.filter(subject=f"{batch.title}已下达拨付")
    assert sorted(told.values_list("user__organisation_id", flat=True)) == sorted(p for p in providers
                                                                                   for _ in range(2))
    assert all(n.user.is_active for n in told)
    noticed = Notification.objects.filter(subject__startswith="已进入公示：", url=batch.notice.get_absolute_url())
    assert sorted(noticed.values_list("user__organisation_id", flat=True)) == sorted(p for p in providers
                                                                                      for _ in range(2))
