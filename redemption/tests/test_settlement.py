"""Settlement batches: collection, the public notice (with an objection), the two signatures, disbursement
orders per district, district payments and the ledger."""
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import IntegrityError, transaction

from hangqifu.audit.models import AuditEvent
from hangqifu.core import clock
from hangqifu.core.errors import DomainError
from hangqifu.notices import services as notice_services
from hangqifu.notices.models import NoticeItem
from hangqifu.notifications.models import Notification
from vouchers.models.ledger import LedgerEntry

from .. import selectors
from ..exports import disbursement_context
from ..ledger import verify_redemption_ledger
from ..models import DisbursementOrder, DistrictPayment, ProviderYearCap, RedemptionClaim, SettlementBatch
from ..services import payments as payment_services
from ..services import collection
from ..services import settlement as services
from . import factories
from .factories import approved_claim, deducted_order

pytestmark = pytest.mark.django_db


def S(pk):
    return SettlementBatch.objects.get(pk=pk)


def C(pk):
    return RedemptionClaim.objects.get(pk=pk)


@pytest.fixture
def world(now, center, bureau, finance):
    """Three approved claims: two providers in 西湖区 (one with two orders), one in 滨江区."""
    xihu_a = factories.provider_user("xihu", name="杭州甲数字科技有限公司")
    xihu_b = factories.provider_user("xihu", name="杭州乙管理咨询有限公司")
    binjiang = factories.provider_user("binjiang", name="杭州丙知识产权代理有限公司")
    claims = {
        "a": approved_claim(xihu_a, [deducted_order(xihu_a.organisation, amount="10000.00", deduction="5000.00"),
                                     deducted_order(xihu_a.organisation, amount="3000.00", deduction="1500.00")],
                            center=center, bureau=bureau),
        "b": approved_claim(xihu_b, [deducted_order(xihu_b.organisation, amount="8000.00", deduction="4000.00")],
                            center=center, bureau=bureau),
        "c": approved_claim(binjiang, [deducted_order(binjiang.organisation, amount="20000.00",
                                                      deduction="10000.00")], center=center, bureau=bureau),
    }
    return {"claims": claims, "users": {"a": xihu_a, "b": xihu_b, "c": binjiang}}


def _through_notice(run, batch, center, bureau, set_clock, objection_on=None):
    run(services.batch_close, batch=batch, actor=center)
    return _notice_after_collection(run, batch, bureau, set_clock, objection_on)


def _notice_after_collection(run, batch, bureau, set_clock, objection_on=None):
    batch = _published(run, batch, bureau)
    if objection_on is not None:
        item = NoticeItem.objects.get(notice=batch.notice, object_id=str(objection_on.pk))
        notice_services.objection_file(notice=batch.notice, user=factories.provider_user("xihu", name="举报人公司"),
                                       content="该机构服务未实际发生", item=item)
    set_clock(batch.notice.closes_at + timedelta(hours=10))
    run(notice_services.notices_close_expired)
    return S(batch.pk)


def _published(run, batch, bureau):
    """The collected batch approved and its notice published: the notice window is open."""
    run(services.batch_approve, batch=S(batch.pk), actor=bureau)
    return run(services.batch_publish, batch=S(batch.pk), actor=bureau)


def _open(center, **kwargs):
    return services.batch_open(actor=center, period_start=date(2026, 5, 1), period_end=date(2026, 6, 30),
                               payment_expected_on=date(2026, 7, 31), **kwargs)


def test_full_settlement_from_batch_to_paid(world, run, center, bureau, finance, set_clock):
    claims = world["claims"]
    batch = _open(center, announcement="6 月底前审批通过的申请纳入本批次")
    # when the service center closes the batch, the task collects every approved claim
    run(services.batch_close, batch=batch, actor=center)
    batch = S(batch.pk)
    assert batch.state == SettlementBatch.State.COLLECTED
    assert set(batch.claims.values_list("pk", flat=True)) == {c.pk for c in claims.values()}
    assert batch.task_done == batch.task_total == 3
    assert all(C(c.pk).state == RedemptionClaim.State.IN_SETTLEMENT for c in claims.values())
    # bureau approves, publishes the notice (one item per claim), it closes without objection
    run(services.batch_approve, batch=batch, actor=bureau)
    batch = run(services.batch_publish, batch=S(batch.pk), actor=bureau)
    assert batch.notice.items.count() == 3
    set_clock(batch.notice.closes_at + timedelta(hours=10))
    run(notice_services.notices_close_expired)
    assert S(batch.pk).state == SettlementBatch.State.NOTICE_CLOSED
    # two signatures issue one disbursement order per district
    run(services.batch_sign, batch=S(batch.pk), actor=bureau)
    run(services.batch_sign, batch=S(batch.pk), actor=finance)
    batch = S(batch.pk)
    assert batch.state == SettlementBatch.State.DISBURSED
    orders = {o.district: o for o in batch.disbursement_orders.all()}
    assert set(orders) == {"xihu", "binjiang"}
    assert orders["xihu"].total == Decimal("10500.00") and orders["binjiang"].total == Decimal("10000.00")
    assert {o.number for o in orders.values()} == {"杭经信兑〔2026〕1号", "杭经信兑〔2026〕2号"}
    assert all(o.pdf for o in orders.values())
    payments = {p.provider_id: p for p in batch.payments.all()}
    assert payments[world["users"]["a"].organisation_id].amount == Decimal("6500.00")
    assert len(payments) == 3
    assert LedgerEntry.objects.filter(kind="redemption").count() == 4
    # districts confirm; the batch completes with the last line
    xihu_officer, binjiang_officer = factories.district_user("xihu"), factories.district_user("binjiang")
    paid_at = clock.now()
    for payment in batch.payments.order_by("district"):
        officer = xihu_officer if payment.district == "xihu" else binjiang_officer
        assert S(batch.pk).state == SettlementBatch.State.DISBURSED
        payment_services.payment_confirm(payment=payment, actor=officer, reference=f"QQ{payment.pk:06d}",
                                         paid_at=paid_at)
    batch = S(batch.pk)
    assert batch.state == SettlementBatch.State.COMPLETED
    assert all(C(c.pk).state == RedemptionClaim.State.PAID for c in claims.values())
    assert LedgerEntry.objects.filter(kind="payment").count() == 3
    assert verify_redemption_ledger() == []


def test_claims_approved_after_the_period_wait_for_the_next_batch(world, run, center, bureau, set_clock):
    batch = _open(center)
    set_clock("2026-07-02T09:00:00+08:00")
    late_provider = factories.provider_user("xihu", name="迟到的机构")
    late = approved_claim(late_provider, [deducted_order(late_provider.organisation)], center=center, bureau=bureau)
    run(services.batch_close, batch=batch, actor=center)
    assert C(late.pk).state == RedemptionClaim.State.APPROVED
    assert C(late.pk).batch_id is None


def test_banned_providers_claims_are_not_collected(world, run, center, bureau):
    from sanctions.services import sanction_impose

    banned = world["claims"]["c"]
    sanction_impose(actor=bureau, organisation=banned.provider, reason="虚报服务记录", ban_years=3)
    batch = _open(center)
    run(services.batch_close, batch=batch, actor=center)
    assert set(S(batch.pk).claims.values_list("pk", flat=True)) == {world["claims"]["a"].pk, world["claims"]["b"].pk}
    assert C(banned.pk).state == RedemptionClaim.State.APPROVED


def test_objection_pulls_out_one_claim_and_the_rest_continue(world, run, center, bureau, finance, set_clock):
    claims = world["claims"]
    batch = _through_notice(run, _open(center), center, bureau, set_clock, objection_on=claims["b"])
    assert batch.state == SettlementBatch.State.NOTICE_CLOSED
    pulled = C(claims["b"].pk)
    assert pulled.state == RedemptionClaim.State.APPROVED and pulled.under_investigation and pulled.batch_id is None
    run(services.batch_sign, batch=batch, actor=bureau)
    run(services.batch_sign, batch=S(batch.pk), actor=finance)
    batch = S(batch.pk)
    assert batch.state == SettlementBatch.State.DISBURSED
    assert batch.payments.count() == 2
    assert not batch.payments.filter(provider_id=pulled.provider_id).exists()
    assert batch.disbursement_orders.get(district="xihu").total == Decimal("6500.00")
    # the objection is upheld: the claim is not paid and the provider's cap headroom comes back
    objection = batch.notice.objections.get()
    run(notice_services.objection_resolve, objection=objection, actor=center, upheld=True, opinion="经核查属实")
    pulled = C(claims["b"].pk)
    assert pulled.state == RedemptionClaim.State.REJECTED
    assert ProviderYearCap.objects.get(provider_id=pulled.provider_id).approved == Decimal("0.00")
    assert not pulled.lines.filter(redeemed_order__isnull=False).exists()
    assert verify_redemption_ledger() == []


def test_a_claim_that_was_never_on_the_notice_is_not_paid(world, run, center, bureau, set_clock):
    # given a batch whose notice lost one claim's item (it cannot happen through the services: fail safe anyway)
    claims = world["claims"]
    batch = _open(center)
    run(services.batch_close, batch=batch, actor=center)
    run(services.batch_approve, batch=batch, actor=bureau)
    batch = run(services.batch_publish, batch=batch, actor=bureau)
    NoticeItem.objects.filter(notice=batch.notice, object_id=str(claims["b"].pk)).delete()
    # when the notice closes without objection
    set_clock(batch.notice.closes_at + timedelta(hours=10))
    run(notice_services.notices_close_expired)
    # then that claim leaves the batch for investigation; the noticed ones go on to signing
    batch = S(batch.pk)
    assert batch.state == SettlementBatch.State.NOTICE_CLOSED
    unnoticed = C(claims["b"].pk)
    assert unnoticed.batch_id is None and unnoticed.under_investigation
    assert set(batch.claims.values_list("pk", flat=True)) == {claims["a"].pk, claims["c"].pk}


def test_dismissed_objection_lets_the_claim_join_the_next_batch(world, run, center, bureau, set_clock):
    claims = world["claims"]
    batch = _through_notice(run, _open(center), center, bureau, set_clock, objection_on=claims["b"])
    objection = batch.notice.objections.get()
    run(notice_services.objection_resolve, objection=objection, actor=center, upheld=False, opinion="异议不成立")
    cleared = C(claims["b"].pk)
    assert cleared.state == RedemptionClaim.State.APPROVED and not cleared.under_investigation
    lifted = AuditEvent.objects.get(action="redemption.investigation_cleared", object_id=str(cleared.pk))
    assert lifted.actor_id == center.pk and lifted.organisation_id == cleared.provider_id
    next_batch = services.batch_open(actor=center, period_start=date(2026, 7, 1), period_end=date(2026, 9, 30))
    run(services.batch_close, batch=next_batch, actor=center)
    assert list(S(next_batch.pk).claims.values_list("pk", flat=True)) == [cleared.pk]


def test_the_api_offers_the_bureau_sign_only_when_the_service_would_take_it(world, run, center, bureau, api_as,
                                                                            set_clock, django_assert_max_num_queries):
    batch = _open(center)
    run(services.batch_close, batch=batch, actor=center)
    batch = _published(run, batch, bureau)
    detail, listed = f"/api/v1/settlement-batches/{batch.pk}/", "/api/v1/settlement-batches/"
    # while the notice is open, signing answers 409 notice_open: neither the batch nor the list offers it
    assert "sign" not in api_as(bureau).get(detail).json()["available_actions"]
    with django_assert_max_num_queries(8):  # the reason is read from the notice the list query joins
        assert "sign" not in api_as(bureau).get(listed).json()["results"][0]["available_actions"]
    refused = api_as(bureau).post(f"{detail}sign/")
    assert (refused.status_code, refused.json()["code"]) == (409, "notice_open")
    # once the notice has closed, both offer it and the signature is taken
    set_clock(batch.notice.closes_at + timedelta(hours=10))
    run(notice_services.notices_close_expired)
    assert "sign" in api_as(bureau).get(detail).json()["available_actions"]
    assert "sign" in api_as(bureau).get(listed).json()["results"][0]["available_actions"]
    assert api_as(bureau).post(f"{detail}sign/").status_code == 200


def test_sign_needs_a_closed_notice_and_two_different_people_in_order(world, run, center, bureau, finance,
                                                                       make_user, set_clock):
    from hangqifu.accounts.roles import Role

    batch = _open(center)
    run(services.batch_close, batch=batch, actor=center)
    batch = _published(run, batch, bureau)
    # the notice is still open
    with pytest.raises(DomainError) as refused:
        services.batch_sign(batch=S(batch.pk), actor=bureau)
    assert refused.value.code == "notice_open"
    set_clock(batch.notice.closes_at + timedelta(hours=10))
    run(notice_services.notices_close_expired)
    # the finance bureau cannot sign first
    with pytest.raises(DomainError) as refused:
        services.batch_sign(batch=S(batch.pk), actor=finance)
    assert refused.value.code == "invalid_transition"
    # the service center cannot sign at all
    with pytest.raises(DomainError) as refused:
        services.batch_sign(batch=S(batch.pk), actor=center)
    assert refused.value.status == 403
    run(services.batch_sign, batch=S(batch.pk), actor=bureau)
    # the same bureau official (or a colleague) cannot sign twice
    for actor in (bureau, make_user(role=Role.BUREAU)):
        with pytest.raises(DomainError) as refused:
            services.batch_sign(batch=S(batch.pk), actor=actor)
        assert refused.value.code == "already_signed"
    # the bureau signer moved to the finance bureau is still the same person
    bureau.role = Role.FINANCE_BUREAU
    bureau.save(update_fields=["role"])
    with pytest.raises(DomainError) as refused:
        services.batch_sign(batch=S(batch.pk), actor=bureau)
    assert refused.value.code == "same_signer"
    assert S(batch.pk).state == SettlementBatch.State.BUREAU_SIGNED
    assert not DisbursementOrder.objects.exists()
    # and the database refuses it too
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementBatch.objects.filter(pk=batch.pk).update(finance_signed_by=bureau)
    run(services.batch_sign, batch=S(batch.pk), actor=finance)
    assert S(batch.pk).state == SettlementBatch.State.DISBURSED


@pytest.fixture
def disbursed(world, run, center, bureau, finance, set_clock):
    batch = _through_notice(run, _open(center), center, bureau, set_clock)
    run(services.batch_sign, batch=batch, actor=bureau)
    run(services.batch_sign, batch=S(batch.pk), actor=finance)
    return S(batch.pk)


def test_payment_confirmation_is_recorded_once_and_only_by_the_district(disbursed):
    payment = disbursed.payments.filter(district="xihu").first()
    paid_at = clock.now()
    # another district: not found
    with pytest.raises(DomainError) as refused:
        payment_services.payment_confirm(payment=payment, actor=factories.district_user("binjiang"),
                                         reference="QQ1", paid_at=paid_at)
    assert refused.value.status == 404
    officer = factories.district_user("xihu")
    payment_services.payment_confirm(payment=payment, actor=officer, reference="QQ1", paid_at=paid_at)
    # the same confirmation again changes nothing; a different reference is refused
    payment_services.payment_confirm(payment=payment, actor=officer, reference="QQ1", paid_at=paid_at)
    with pytest.raises(DomainError) as refused:
        payment_services.payment_confirm(payment=payment, actor=officer, reference="QQ2", paid_at=paid_at)
    assert refused.value.code == "already_paid"
    assert LedgerEntry.objects.filter(kind="payment").count() == 1
    assert DistrictPayment.objects.get(pk=payment.pk).reference == "QQ1"


def test_failed_payment_is_retried_then_confirmed(disbursed):
    payment = disbursed.payments.get(district="binjiang")
    officer = factories.district_user("binjiang")
    payment_services.payment_fail(payment=payment, actor=officer, reason="收款账户户名不符")
    payment = DistrictPayment.objects.get(pk=payment.pk)
    assert payment.state == DistrictPayment.State.FAILED and payment.failure_count == 1
    with pytest.raises(DomainError) as refused:
        payment_services.payment_confirm(payment=payment, actor=officer, reference="QQ9",
                                         paid_at=clock.now() + timedelta(days=1))
    assert refused.value.code == "invalid"
    payment_services.payment_confirm(payment=payment, actor=officer, reference="QQ9", paid_at=clock.now())
    assert DistrictPayment.objects.get(pk=payment.pk).state == DistrictPayment.State.PAID
    assert S(disbursed.pk).state == SettlementBatch.State.DISBURSED  # other lines still unpaid


def test_disbursement_pdf_has_the_chinese_text_and_right_totals(disbursed):
    from pypdf import PdfReader

    from ..exports import disbursement_pdf

    order = disbursed.disbursement_orders.get(district="xihu")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(disbursement_pdf(order))).pages)
    compact = text.replace(" ", "").replace("\n", "")
    assert "服务券兑付资金拨付通知" in compact
    assert "杭经信兑〔2026〕" in compact
    assert "西湖区财政局" in compact
    assert "杭州甲数字科技有限公司" in compact and "6,500.00" in compact and "4,000.00" in compact
    assert "10,500.00" in compact and "10,000.00" in compact  # the district total and 滨江区 in the summary
    stored = order.pdf.open("rb").read()
    assert stored.startswith(b"%PDF")


def test_disbursement_xlsx_lists_each_provider_and_the_total(disbursed):
    from openpyxl import load_workbook

    from ..exports import disbursement_xlsx

    order = disbursed.disbursement_orders.get(district="xihu")
    sheet = load_workbook(BytesIO(disbursement_xlsx(order))).active
    rows = [row for row in sheet.iter_rows(values_only=True)]
    providers = {row[1]: row[4] for row in rows[4:-1]}
    assert providers == {"杭州甲数字科技有限公司": Decimal("6500.00"), "杭州乙管理咨询有限公司": Decimal("4000.00")} or \
        providers == {"杭州甲数字科技有限公司": 6500, "杭州乙管理咨询有限公司": 4000}
    assert rows[-1][0] == "合计" and Decimal(str(rows[-1][4])) == Decimal("10500.00")


def test_a_step_left_unfinished_is_resumed_by_the_periodic_job(world, center, django_capture_on_commit_callbacks):
    from ..jobs import advance_settlements

    # given a batch closed while its collection task never ran (the worker died before picking it up)
    batch = _open(center)
    services.batch_close(batch=batch, actor=center)  # on_commit callbacks are not run here
    assert S(batch.pk).state == SettlementBatch.State.COLLECTING and not S(batch.pk).claims.exists()
    # when the periodic job runs (twice, as two beat ticks would; it sends through the outbox on commit)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            advance_settlements()
    # then the batch is collected exactly once
    batch = S(batch.pk)
    assert batch.state == SettlementBatch.State.COLLECTED
    assert batch.claims.count() == 3 and batch.task_done == 3


# --- the paying district is the one recorded when the batch collected the claim ----------------------------

def _move(user, district):
    """The provider moves to another district (providers' re-application confirmation writes it)."""
    from hangqifu.accounts.models import Organisation

    Organisation.objects.filter(pk=user.organisation_id).update(district=district)


def _sign(run, batch, bureau, finance):
    run(services.batch_sign, batch=S(batch.pk), actor=bureau)
    run(services.batch_sign, batch=S(batch.pk), actor=finance)
    return S(batch.pk)


def _pay_every_line(batch):
    for payment in S(batch.pk).payments.order_by("id"):
        payment_services.payment_confirm(payment=payment, actor=factories.district_user(payment.district),
                                         reference=f"QQ{payment.pk:06d}", paid_at=clock.now())


def test_a_provider_that_moves_after_collection_is_paid_once_where_it_was_collected(world, run, center, bureau,
                                                                                    finance, set_clock):
    claims, users = world["claims"], world["users"]
    batch = _open(center)
    run(services.batch_close, batch=batch, actor=center)
    assert {c.pk: C(c.pk).settlement_district for c in claims.values()} == {
        claims["a"].pk: "xihu", claims["b"].pk: "xihu", claims["c"].pk: "binjiang"}
    # given the 滨江区 provider moves to 萧山区 (in no other claim of the batch) after its claim was collected
    _move(users["c"], "xiaoshan")
    batch = _notice_after_collection(run, batch, bureau, set_clock)
    binjiang_officer, xiaoshan_officer = factories.district_user("binjiang"), factories.district_user("xiaoshan")
    # when both sign
    batch = _sign(run, batch, bureau, finance)
    # then it is paid once, through 滨江区, and the batch is disbursed
    assert batch.state == SettlementBatch.State.DISBURSED
    assert batch.task_done == batch.task_total == 2
    assert {o.district: o.total for o in batch.disbursement_orders.all()} == {
        "xihu": Decimal("10500.00"), "binjiang": Decimal("10000.00")}
    moved = batch.payments.get(provider_id=users["c"].organisation_id)
    assert (moved.district, moved.amount, moved.disbursement_order.district) == ("binjiang", Decimal("10000.00"),
                                                                                "binjiang")
    assert C(claims["c"].pk).payment_id == moved.pk
    assert {row["district"]: row["claims"] for row in selectors.batch_district_totals(batch)} == {
        "binjiang": 1, "xihu": 2}
    # the documents and the officers told are those of 滨江区, not of the provider's new district
    order = moved.disbursement_order
    assert disbursement_context(order)["district_totals"] == [("滨江区", "10,000.00"), ("西湖区", "10,500.00")]
    assert [row["payment"].provider_id for row in disbursement_context(order)["rows"]] == [
        users["c"].organisation_id]
    assert Notification.objects.filter(user=binjiang_officer, subject__contains=order.number).exists()
    assert not Notification.objects.filter(user=xiaoshan_officer).exists()
    # the 滨江区 officer was told and confirms the line; the batch completes
    _pay_every_line(batch)
    assert S(batch.pk).state == SettlementBatch.State.COMPLETED
    assert C(claims["c"].pk).state == RedemptionClaim.State.PAID
    assert LedgerEntry.objects.filter(kind="payment", organisation_id=users["c"].organisation_id).count() == 1
    assert verify_redemption_ledger() == []


def test_a_provider_that_moves_while_the_batch_is_issuing_does_not_hold_it(world, run, center, bureau, finance,
                                                                            set_clock, monkeypatch):
    from ..services import disbursement

    claims, users = world["claims"], world["users"]
    batch = _through_notice(run, _open(center), center, bureau, set_clock)
    run(services.batch_sign, batch=batch, actor=bureau)
    # given a 西湖区 provider moves to 滨江区 right after 滨江区 (issued first) got its order
    store = disbursement.disbursement_pdf_store

    def store_then_move(order):
        store(order)
        if order.district == "binjiang":
            _move(users["a"], "binjiang")
    monkeypatch.setattr(disbursement, "disbursement_pdf_store", store_then_move)
    # when the finance bureau co-signs and the task issues the orders
    run(services.batch_sign, batch=S(batch.pk), actor=finance)
    # then the provider is paid through 西湖区, where it was collected, and the batch does not stay in issuing
    batch = S(batch.pk)
    assert batch.state == SettlementBatch.State.DISBURSED
    assert not batch.claims.filter(payment__isnull=True).exists()
    assert batch.payments.get(provider_id=users["a"].organisation_id).district == "xihu"
    assert batch.disbursement_orders.get(district="xihu").claim_count == 2
    _pay_every_line(batch)
    assert S(batch.pk).state == SettlementBatch.State.COMPLETED
    assert all(C(c.pk).state == RedemptionClaim.State.PAID for c in claims.values())


def test_a_provider_that_moves_between_two_collected_chunks_keeps_one_district(world, run, center, bureau,
                                                                                finance, set_clock, monkeypatch):
    from hangqifu.audit.models import AuditEvent

    users = world["users"]
    second = approved_claim(users["a"], [deducted_order(users["a"].organisation, amount="2000.00",
                                                        deduction="1000.00")], center=center, bureau=bureau)
    # given collection one claim at a time, and the provider of the first claim moves after its first chunk
    monkeypatch.setattr(collection, "COLLECT_CHUNK", 1)
    enter = collection._enter_settlement

    def enter_then_move(ids, batch_id):
        moved = enter(ids, batch_id)
        if ids == [world["claims"]["a"].pk]:
            _move(users["a"], "xiaoshan")
        return moved
    monkeypatch.setattr(collection, "_enter_settlement", enter_then_move)
    batch = _open(center)
    run(services.batch_close, batch=batch, actor=center)
    # then all its claims are paid by the district recorded for the first one (one line per provider and batch)
    assert set(RedemptionClaim.objects.filter(provider_id=users["a"].organisation_id)
               .values_list("settlement_district", flat=True)) == {"xihu"}
    collected = AuditEvent.objects.get(action="settlement.collected")
    assert collected.payload["moved_providers"] == {str(users["a"].organisation_id): "xihu"}
    # and each claim's collect event says which district it was recorded for
    assert {e.payload["district"] for e in AuditEvent.objects.filter(
        action="settlement.collect_claim", organisation_id=users["a"].organisation_id)} == {"xihu", "xiaoshan"}
    batch = _sign(run, _notice_after_collection(run, batch, bureau, set_clock), bureau, finance)
    assert batch.state == SettlementBatch.State.DISBURSED
    line = batch.payments.get(provider_id=users["a"].organisation_id)
    assert (line.district, line.claim_count, line.amount) == ("xihu", 2, Decimal("7500.00"))
    assert C(second.pk).payment_id == line.pk


def test_a_claim_that_leaves_the_batch_loses_its_district(world, run, center, bureau, set_clock):
    claims = world["claims"]
    # held by an objection at the end of the notice: it leaves the batch for investigation
    batch = _through_notice(run, _open(center), center, bureau, set_clock, objection_on=claims["b"])
    pulled = C(claims["b"].pk)
    assert pulled.batch_id is None and pulled.settlement_district is None
    assert set(batch.claims.values_list("settlement_district", flat=True)) == {"xihu", "binjiang"}
    # the database keeps a claim in a batch with its district, and one out of a batch without
    with pytest.raises(IntegrityError), transaction.atomic():
        RedemptionClaim.objects.filter(pk=claims["a"].pk).update(settlement_district=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        RedemptionClaim.objects.filter(pk=claims["b"].pk).update(settlement_district="xihu")


def test_a_claim_revoked_after_an_upheld_objection_leaves_the_batch_without_its_district(world, run, center,
                                                                                         bureau, set_clock):
    from hangqifu.audit.models import AuditEvent

    claims = world["claims"]
    batch = _open(center)
    run(services.batch_close, batch=batch, actor=center)
    batch = _published(run, batch, bureau)
    item = NoticeItem.objects.get(notice=batch.notice, object_id=str(claims["c"].pk))
    objection = notice_services.objection_file(notice=batch.notice, item=item, content="该机构服务未实际发生",
                                               user=factories.provider_user("xihu", name="举报人公司"))
    # when the objection is upheld before the notice closes (the claim is revoked straight from the batch)
    run(notice_services.objection_resolve, objection=objection, actor=center, upheld=True, opinion="经核查属实")
    set_clock(batch.notice.closes_at + timedelta(hours=10))
    run(notice_services.notices_close_expired)
    # then the claim is rejected and is in no batch, with no paying district
    revoked = C(claims["c"].pk)
    assert revoked.state == RedemptionClaim.State.REJECTED
    assert revoked.batch_id is None and revoked.settlement_district is None
    revoke = AuditEvent.objects.get(action="redemption.claim_revoke", object_id=str(revoked.pk))
    assert (revoke.payload["batch"], revoke.payload["district"]) == (batch.pk, "binjiang")
    assert list(S(batch.pk).claims.order_by().values_list("settlement_district", flat=True).distinct()) == ["xihu"]


def test_the_migration_backfills_the_district_of_the_claims_already_in_a_batch(disbursed, world, run, center,
                                                                               bureau):
    from importlib import import_module

    from django.apps import apps

    backfill = import_module("redemption.migrations.0003_claim_settlement_district").backfill
    claims, users = world["claims"], world["users"]
    # given an issued batch, a second batch collected but not issued and an approved claim in no batch
    later = approved_claim(users["b"], [deducted_order(users["b"].organisation)], center=center, bureau=bureau)
    second = _open(center)
    run(services.batch_close, batch=second, actor=center)
    outside = approved_claim(users["b"], [deducted_order(users["b"].organisation)], center=center, bureau=bureau)
    # and the providers 乙 (西湖区) and 丙 (滨江区) have moved since; the field holds a wrong value (the
    # constraint allows no empty one in a batch: the migration fills it before adding the constraint)
    _move(users["b"], "fuyang")
    _move(users["c"], "xiaoshan")
    RedemptionClaim.objects.filter(batch__isnull=False).update(settlement_district="jiande")
    # when the migration fills the new field
    backfill(apps, None)
    # then a claim on a payment line takes its line's district, one not yet issued its provider's district now,
    # and a claim in no batch has none
    assert {c.pk: C(c.pk).settlement_district for c in claims.values()} == {
        claims["a"].pk: "xihu", claims["b"].pk: "xihu", claims["c"].pk: "binjiang"}
    assert C(later.pk).batch_id == second.pk and C(later.pk).settlement_district == "fuyang"
    assert C(outside.pk).batch_id is None and C(outside.pk).settlement_district is None


# --- 第六条: a listed provider is not paid; after 第二十二条's period, payment goes on -----------------------

def _list(organisation, listed_on):
    from registration.models import CreditListEntry

    return CreditListEntry.objects.create(list_kind="severe_dishonesty", credit_code=organisation.credit_code,
                                          listed_on=listed_on)


def test_a_listed_provider_is_not_collected_and_its_claims_wait(world, run, center):
    _list(world["users"]["c"].organisation, clock.today())
    batch = _open(center)
    run(services.batch_close, batch=batch, actor=center)
    assert set(S(batch.pk).claims.values_list("pk", flat=True)) == {world["claims"]["a"].pk, world["claims"]["b"].pk}
    assert C(world["claims"]["c"].pk).state == RedemptionClaim.State.APPROVED and C(world["claims"]["c"].pk).batch is None


def test_a_provider_listed_before_approval_or_payment_is_refused_there(disbursed, set_clock):
    from ..services.redemption_claims import claim_approve, claim_pre_review

    payment = disbursed.payments.get(district="binjiang")
    entry = _list(payment.provider, clock.today())
    officer = factories.district_user("binjiang")
    with pytest.raises(DomainError) as refused:
        payment_services.payment_confirm(payment=payment, actor=officer, reference="QQ9", paid_at=clock.now())
    assert refused.value.code == "credit_listed" and "服务机构" in refused.value.detail
    assert DistrictPayment.objects.get(pk=payment.pk).state != DistrictPayment.State.PAID
    # a new claim of the listed provider passes pre-review but not the bureau's approval
    provider = factories.provider_user("xihu", name="杭州丁科技有限公司")
    _list(provider.organisation, clock.today())
    claim = factories.submitted_claim(provider, [deducted_order(provider.organisation)])
    claim = claim_pre_review(claim=claim, actor=factories.UserFactory(role="service_center"), passed=True,
                             opinion="材料齐全")
    with pytest.raises(DomainError) as refused:
        claim_approve(claim=claim, actor=factories.UserFactory(role="bureau"))
    assert refused.value.code == "credit_listed"
    # delisted (the entry ends today): the district's confirmation goes through
    type(entry).objects.filter(pk=entry.pk).update(removed_on=clock.today())
    payment_services.payment_confirm(payment=payment, actor=officer, reference="QQ9", paid_at=clock.now())
    assert DistrictPayment.objects.get(pk=payment.pk).state == DistrictPayment.State.PAID


def test_payment_of_what_was_deducted_inside_the_period_goes_on_after_it(disbursed, set_clock):
    set_clock("2029-01-05T10:00:00+08:00")
    payment = disbursed.payments.get(district="binjiang")
    payment_services.payment_confirm(payment=payment, actor=factories.district_user("binjiang"), reference="QQ2029",
                                     paid_at=clock.now())
    assert DistrictPayment.objects.get(pk=payment.pk).state == DistrictPayment.State.PAID


def test_disbursement_pdf_keeps_provider_names_whole_and_carries_both_signatures(disbursed, bureau, finance):
    from django.utils import timezone
    from pypdf import PdfReader

    from hangqifu.accounts.models import Organisation, User

    from ..exports import disbursement_pdf

    # given a provider with a long Chinese name and signers with names on their accounts
    order = disbursed.disbursement_orders.get(district="xihu")
    long_name = "杭州市西湖区数字化转型综合服务研究院有限公司"
    Organisation.objects.filter(pk=order.payments.first().provider_id).update(name=long_name)
    User.objects.filter(pk=bureau.pk).update(last_name="王", first_name="建国")
    User.objects.filter(pk=finance.pk).update(last_name="李", first_name="秀英")
    # when the PDF is rendered
    lines = [line.replace(" ", "") for page in PdfReader(BytesIO(disbursement_pdf(order))).pages
             for line in page.extract_text().splitlines()]
    # then the name stands whole on one line of the table
    assert any(long_name in line for line in lines), lines
    # and the signature block names each bureau's signer, role and time
    text = "\n".join(lines)
    batch = S(disbursed.pk)
    for signer, role, at in [("王建国", "市经信局签发人", batch.bureau_signed_at),
                             ("李秀英", "市财政局签发人", batch.finance_signed_at)]:
        assert signer in text and role in text
        assert timezone.localtime(at).strftime("%Y年%-m月%-d日%H:%M") in text
    assert "杭州市经济和信息化局（签发）" in text and "杭州市财政局（会签）" in text


def test_a_long_provider_name_is_cut_only_before_its_brackets():
    from ..exports import name_parts

    assert name_parts("杭州旅程数字服务有限公司") == [("杭州旅程数字服务有限公司", True)]
    assert name_parts("浙江省中小企业公共服务平台杭州分中心（杭州市工业和信息服务研究中心有限公司）") == [
        ("浙江省中小企业公共服务平台杭州分中心", True), ("（杭州市工业和信息服务研究中心有限公司）", True)]
    assert name_parts("甲" * 27) == [("甲" * 27, False)]  # too long to keep whole: it may wrap


def test_the_co_signer_rule_is_a_condition_of_the_transition_and_the_page_shows_it(world, run, center, bureau,
                                                                                    finance, make_user, set_clock):
    from hangqifu.accounts.roles import Role
    from hangqifu.workflows.transitions import transition_refusal

    from ..views import batch_actions_for

    batch = _through_notice(run, _open(center), center, bureau, set_clock)
    run(services.batch_sign, batch=batch, actor=bureau)
    batch = S(batch.pk)
    # given the bureau signer, since moved to the finance bureau
    bureau.role = Role.FINANCE_BUREAU
    bureau.save(update_fields=["role"])
    # then the transition itself refuses them after who and where: 409 same_signer, in Chinese
    refusal = transition_refusal(batch, "sign_finance", actor=bureau)
    assert (refusal.status, refusal.code, refusal.detail) == (409, "same_signer", "签发与会签须由两位不同的工作人员完成")
    # the page shows them the co-signature disabled with that reason; a colleague gets it enabled
    assert batch_actions_for(batch, bureau) == [("sign", "市财政局会签", "签发与会签须由两位不同的工作人员完成")]
    assert batch_actions_for(batch, finance) == [("sign", "市财政局会签", "")]
    # and the service center is refused as not a signer (403) before anything about the batch
    with pytest.raises(DomainError) as refused:
        services.batch_sign(batch=batch, actor=center)
    assert refused.value.status == 403
    assert transition_refusal(batch, "sign_finance", actor=make_user(role=Role.SERVICE_CENTER)).status == 403
