"""领券: first come, first served (第四条). A claim needs an active qualification of the current year, the
batch open by the business clock, a slot of the type left and headroom in the quota
(quota − used − Σ live voucher balances ≥ face value).

The slot and the headroom are taken by conditional UPDATEs, so no number of concurrent requests can hand out
more slots than the batch has or reserve more than the quota (CHECKs back both up).

Hot rows and lock order. Every claim of a batch competes for one row, the voucher type's `remaining`; its
lock is held from the slot UPDATE until COMMIT, so that UPDATE is the LAST statement of the transaction and
everything that touches only this enterprise's rows comes first:

    fund and batch FOR KEY SHARE → qualification (headroom UPDATE) → voucher INSERT → ledger INSERT
    → audit append → voucher type (slot UPDATE) → COMMIT

- The fund row is locked FOR KEY SHARE first: it conflicts only with FOR UPDATE, which `fund_exhaust` takes
  before voiding the year (so no voucher slips past that sweep), and not with the deductions' UPDATE of
  `deducted` (FOR NO KEY UPDATE) — claims and deductions of one year do not wait for each other there.
- The batch row is locked FOR KEY SHARE in the same statement and its window checked again: `batch_close`
  (batch FOR UPDATE) waits for the claims in flight, and a claim that read "open" before a close committed
  sees the closed batch here and is refused, so no voucher is issued after the batch closed.
- The qualification comes before any voucher of it, as in expiry and suspension (qualification → voucher);
  no path locks a voucher type and then a qualification, so taking the slot last cannot close a cycle. The
  voucher INSERT's foreign keys take FOR KEY SHARE on the batch and the voucher type, which does not conflict
  with another claim's slot UPDATE; `batch_close` (batch FOR UPDATE) waits for claims in flight.
- A refused slot (0 rows: sold out meanwhile) raises `batch_exhausted` and rolls back the reservation."""
from decimal import Decimal

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from hangqifu.accounts.models import Organisation
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, NotFound, NotPermitted, RuleViolation
from registration.models import Qualification
from registration.selectors.eligibility import listed_on_day
from sanctions.services import assert_not_banned

from .. import permissions as perms
from ..models.funds import Fund, IssuanceBatch, VoucherType
from ..models.ledger import LedgerEntry
from ..models.vouchers import Voucher
from ..statements import key_share_fund_and_batch, take_slot
from . import voucher_claim_cache
from .common import assert_buyer_in_programme
from .ledger import ledger_record


def _not_open(batch, now) -> RuleViolation:
    if batch.state == IssuanceBatch.State.OPEN and now < batch.opens_at:
        detail = f"该批次将于 {timezone.localtime(batch.opens_at):%Y-%m-%d %H:%M} 开始领取，请届时再来"
    elif batch.state == IssuanceBatch.State.CLOSED or now >= batch.closes_at:
        detail = f"该批次已于 {timezone.localtime(batch.closes_at):%Y-%m-%d %H:%M} 截止领取"
    else:
        detail = "该批次当前不在领取时间内"
    return RuleViolation(detail, code="batch_not_open")


def _qualification_refusal(qualification, year) -> RuleViolation | None:
    if qualification is None:
        return RuleViolation(f"您尚未取得 {year} 年度服务券资格，请先完成注册认定", code="not_eligible")
    if qualification.state != Qualification.State.ACTIVE:
        why = f"（{qualification.state_reason}）" if qualification.state_reason else ""
        frozen = "，已领服务券冻结" if qualification.state == Qualification.State.SUSPENDED else ""
        return RuleViolation(f"您的 {year} 年度资格{qualification.get_state_display()}{why}{frozen}，不能领取或使用服务券",
                             code="not_eligible")
    return None


def active_qualification(organisation_id, year) -> Qualification:
    qualification = (Qualification.objects.select_related("organisation")
                     .filter(organisation_id=organisation_id, year=year).first())
    refusal = _qualification_refusal(qualification, year)
    if refusal is not None:
        raise refusal
    return qualification


def headroom(qualification) -> Decimal:
    """quota − used − Σ live voucher balances (the last kept in `reserved`)."""
    return qualification.headroom


def _fund_exhausted(year) -> RuleViolation:
    return RuleViolation(f"{year} 年度服务券资金已用尽，停止领券", code="fund_exhausted")


def _batch_exhausted() -> RuleViolation:
    return RuleViolation("该券种已被领完", code="batch_exhausted")


def _type_id(voucher_type_id) -> int | None:
    try:
        return int(voucher_type_id)
    except (TypeError, ValueError):
        return None


def assert_not_sold_out(voucher_type_id) -> None:
    """Refuse at once, from the cache, a claim of a type whose last slot a committed claim took (voucher_claim_cache)."""
    type_id = _type_id(voucher_type_id)
    if type_id is not None and voucher_claim_cache.sold_out(type_id):
        raise _batch_exhausted()


def _load_voucher_type(type_id: int) -> VoucherType | None:
    fund = Fund.objects.filter(year=OuterRef("batch__year"))
    return (VoucherType.objects.select_related("batch")
            .filter(pk=type_id).exclude(batch__state=IssuanceBatch.State.DRAFT)
            .annotate(fund_pk=Subquery(fund.values("pk")[:1]),
                      fund_exhausted_at=Subquery(fund.values("exhausted_at")[:1]))
            .first())


def _voucher_type_of(batch_id: int, voucher_type_id) -> VoucherType:
    """The type with its batch and the year's fund (id, exhausted_at), in one query or from the cache
    (voucher_claim_cache: its `remaining` may be stale, the transaction decides); 404 for a missing or draft batch
    before 400 for a type that is not the batch's."""
    voucher_type = None
    type_id = _type_id(voucher_type_id)
    if type_id is not None:
        voucher_type = voucher_claim_cache.claim_snapshot(type_id, lambda: _load_voucher_type(type_id))
        if voucher_type is not None and voucher_type.batch_id != int(batch_id):
            voucher_type = None
    if voucher_type is None:
        if not IssuanceBatch.objects.filter(pk=batch_id).exclude(state=IssuanceBatch.State.DRAFT).exists():
            raise NotFound("发放批次不存在")
        raise InvalidInput("请选择本批次的券种", fields={"voucher_type": ["本批次没有该券种"]})
    return voucher_type


def voucher_claim(*, actor, batch_id: int, voucher_type_id) -> Voucher:
    if not perms.is_buyer(actor):
        raise NotPermitted("只有已认定的企业或小微企业园可以领取服务券")
    assert_not_sold_out(voucher_type_id)
    assert_not_banned(actor.organisation_id, entry_point="claim")
    voucher_type = _voucher_type_of(batch_id, voucher_type_id)
    batch = voucher_type.batch
    now = clock.now()  # the business clock, read once for the whole request
    qualification = (Qualification.objects.select_related("organisation")
                     .filter(organisation_id=actor.organisation_id, year=batch.year).first())
    # Early refusals from what was just read (cheap, no lock); the transaction decides for real.
    refusal = voucher_claim_refusal(batch=batch, voucher_type=voucher_type, qualification=qualification,
                            fund_open=voucher_type.fund_pk is not None and voucher_type.fund_exhausted_at is None,
                            now=now)
    if refusal is not None:
        if refusal.code == "batch_exhausted":  # read from the database (a snapshot's remaining is never too low)
            voucher_claim_cache.mark_sold_out(voucher_type.pk)
        raise refusal
    assert_buyer_in_programme(credit_code=qualification.organisation.credit_code, on=timezone.localdate(now),
                              action="领取服务券")
    return _claim(actor=actor, batch=batch, voucher_type=voucher_type, qualification=qualification, now=now)


def voucher_claim_window(*, batch, now) -> RuleViolation | None:
    """The claim window by the business clock: open, not closed, the batch's year and validity not past."""
    today = timezone.localdate(now)
    if not batch.is_claimable(now) or batch.year != today.year or batch.valid_until < today:
        return _not_open(batch, now)
    return None


def voucher_claim_refusal(*, batch, voucher_type, qualification, fund_open: bool, now,
                  ignore_window: bool = False) -> RuleViolation | None:
    """Why a claim of this type would be refused now, or None: the rule the claim service checks first, and
    what the batch page shows next to a disabled 领取 button. `ignore_window` leaves the claim window out
    (the page enables the button itself at the opening second, by the server's clock)."""
    refusal = None if ignore_window else voucher_claim_window(batch=batch, now=now)
    refusal = refusal or _qualification_refusal(qualification, batch.year)
    if refusal is not None:
        return refusal
    if not fund_open:
        return _fund_exhausted(batch.year)
    if voucher_type.remaining <= 0:
        return _batch_exhausted()
    face = voucher_type.face_value
    if qualification.headroom < face:
        return RuleViolation(
            f"领取后将超出年度额度：额度 {qualification.quota} 元，已使用 {qualification.used} 元，"
            f"已领未用 {qualification.reserved} 元，还可领取 {qualification.headroom} 元，不足面额 {face} 元",
            code="quota_exceeded")
    return None


@transaction.atomic
def _claim(*, actor, batch, voucher_type, qualification, now) -> Voucher:
    face = voucher_type.face_value
    fund_open, batch_now = key_share_fund_and_batch(batch.year, batch.pk)
    if not fund_open:
        raise _fund_exhausted(batch.year)
    if batch_now is None or not batch_now.is_claimable(now):  # closed while this request was on its way
        raise _not_open(batch_now or batch, now)
    # Headroom: UPDATE … SET reserved = reserved + face WHERE used + reserved + face <= quota AND active.
    # Not frozen (active) and not listed today, in the same statement (第六条).
    taken = Qualification.objects.filter(
        ~listed_on_day(qualification.organisation.credit_code, timezone.localdate(now)),
        pk=qualification.pk, state=Qualification.State.ACTIVE, quota__gte=F("used") + F("reserved") + face,
    ).update(reserved=F("reserved") + face)
    if not taken:
        assert_buyer_in_programme(credit_code=qualification.organisation.credit_code, on=timezone.localdate(now),
                                  action="领取服务券")
        current = Qualification.objects.get(pk=qualification.pk)
        if current.state != Qualification.State.ACTIVE:
            raise RuleViolation("您的年度资格已暂停或撤销，不能领取服务券", code="not_eligible")
        raise RuleViolation(f"领取后将超出年度额度，还可领取 {headroom(current)} 元，不足面额 {face} 元",
                            code="quota_exceeded")
    voucher = Voucher.objects.create(
        organisation_id=qualification.organisation_id, qualification=qualification, batch=batch,
        voucher_type=voucher_type, year=batch.year, category=voucher_type.category, face_value=face, balance=face,
        expires_on=batch.valid_until, claimed_at=now, claimed_by=actor)
    ledger_record(kind=LedgerEntry.Kind.CLAIM, year=batch.year, amount=face, actor=actor,
                  organisation_id=actor.organisation_id, fund_id=voucher_type.fund_pk, voucher=voucher,
                  memo=f"{batch.title} 领券", business_time=now)
    audit_record(actor=actor, action="voucher.claim", obj=voucher, to_state=Voucher.State.LIVE,
                 organisation=Organisation(pk=actor.organisation_id),  # audit_record reads only its pk
                 payload={"batch": batch.pk, "voucher_type": voucher_type.pk, "category": voucher_type.category,
                          "face_value": face, "expires_on": batch.valid_until})
    # A slot, last (the hot row): UPDATE … SET remaining = remaining - 1 WHERE id = … AND remaining > 0, with what
    # is left; the sold-out flag is raised once the last slot is committed (or found gone).
    left = take_slot(voucher_type.pk)
    if left is None:
        voucher_claim_cache.mark_sold_out(voucher_type.pk)
        raise _batch_exhausted()
    if left == 0:
        voucher_claim_cache.mark_sold_out_after_commit(voucher_type.pk)
    return voucher

