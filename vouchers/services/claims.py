"""领券: first come, first served (第四条). A claim needs an active qualification of the current year, the
batch open by the business clock, a slot of the type left and headroom in the quota
(quota − used − Σ live voucher balances ≥ face value).

The slot and the headroom are taken by conditional UPDATEs, so no number of concurrent requests can hand out
more slots than the batch has or reserve more than the quota (CHECKs back both up). Lock order:
fund (shared) → batch (voucher type row) → qualification → voucher."""
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from audit.sanctions import assert_not_banned
from audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, NotFound, NotPermitted, RuleViolation

from .. import money_permissions as perms
from ..models import Qualification
from ..models.funds import Fund, IssuanceBatch, VoucherType
from ..models.ledger import LedgerEntry
from ..models.vouchers import Voucher
from .ledger import ledger_record


def _not_open(batch) -> RuleViolation:
    now = clock.now()
    if batch.state == IssuanceBatch.State.OPEN and now < batch.opens_at:
        detail = f"该批次将于 {timezone.localtime(batch.opens_at):%Y-%m-%d %H:%M} 开始领取，请届时再来"
    else:
        detail = "该批次当前不在领取时间内"
    return RuleViolation(detail, code="batch_not_open")


def active_qualification(organisation_id, year) -> Qualification:
    qualification = Qualification.objects.filter(organisation_id=organisation_id, year=year).first()
    if qualification is None:
        raise RuleViolation(f"您尚未取得 {year} 年度服务券资格，请先完成注册认定", code="not_eligible")
    if qualification.state != Qualification.State.ACTIVE:
        raise RuleViolation(f"您的 {year} 年度资格{qualification.get_state_display()}，不能领取或使用服务券",
                            code="not_eligible")
    return qualification


def headroom(qualification) -> Decimal:
    """quota − used − Σ live voucher balances (the last kept in `reserved`)."""
    return qualification.quota - qualification.used - qualification.reserved


def _share_lock_fund(year: int) -> None:
    """Hold the fund row FOR SHARE: many claims at once, but never while the year is being closed for
    exhaustion (fund_exhaust holds it FOR UPDATE), so no voucher slips past that sweep."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {Fund._meta.db_table} WHERE year = %s FOR SHARE", [year])


def voucher_claim(*, actor, batch_id: int, voucher_type_id) -> Voucher:
    if not perms.is_buyer(actor):
        raise NotPermitted("只有已认定的企业或小微企业园可以领取服务券")
    assert_not_banned(actor.organisation, entry_point="claim")
    batch = IssuanceBatch.objects.filter(pk=batch_id).exclude(state=IssuanceBatch.State.DRAFT).first()
    if batch is None:
        raise NotFound("发放批次不存在")
    try:
        voucher_type = batch.voucher_types.get(pk=int(voucher_type_id))
    except (TypeError, ValueError, VoucherType.DoesNotExist):
        raise InvalidInput("请选择本批次的券种", fields={"voucher_type": ["本批次没有该券种"]}) from None
    today = clock.today()
    if not batch.is_claimable() or batch.year != today.year or batch.valid_until < today:
        raise _not_open(batch)
    qualification = active_qualification(actor.organisation_id, batch.year)
    fund = Fund.objects.filter(year=batch.year).first()
    if fund is None or fund.exhausted_at is not None:
        raise RuleViolation(f"{batch.year} 年度服务券资金已用尽，停止领券", code="fund_exhausted")
    if voucher_type.remaining <= 0:
        raise RuleViolation("该券种已被领完", code="batch_exhausted")
    face = voucher_type.face_value
    if headroom(qualification) < face:
        raise RuleViolation(
            f"领取后将超出年度额度：额度 {qualification.quota} 元，已使用 {qualification.used} 元，"
            f"已领未用 {qualification.reserved} 元，剩余可领 {headroom(qualification)} 元，不足面额 {face} 元",
            code="quota_exceeded")
    return _claim(actor=actor, batch=batch, voucher_type=voucher_type, qualification=qualification, fund=fund)


@transaction.atomic
def _claim(*, actor, batch, voucher_type, qualification, fund) -> Voucher:
    face = voucher_type.face_value
    _share_lock_fund(batch.year)
    if Fund.objects.filter(pk=fund.pk, exhausted_at__isnull=False).exists():
        raise RuleViolation(f"{batch.year} 年度服务券资金已用尽，停止领券", code="fund_exhausted")
    # A slot: UPDATE … SET remaining = remaining - 1 WHERE id = … AND remaining > 0.
    if not VoucherType.objects.filter(pk=voucher_type.pk, remaining__gt=0).update(remaining=F("remaining") - 1):
        raise RuleViolation("该券种已被领完", code="batch_exhausted")
    # Headroom: UPDATE … SET reserved = reserved + face WHERE used + reserved + face <= quota AND active.
    taken = Qualification.objects.filter(
        pk=qualification.pk, state=Qualification.State.ACTIVE, quota__gte=F("used") + F("reserved") + face,
    ).update(reserved=F("reserved") + face)
    if not taken:
        current = Qualification.objects.get(pk=qualification.pk)
        if current.state != Qualification.State.ACTIVE:
            raise RuleViolation("您的年度资格已暂停或撤销，不能领取服务券", code="not_eligible")
        raise RuleViolation(f"领取后将超出年度额度，剩余可领 {headroom(current)} 元，不足面额 {face} 元",
                            code="quota_exceeded")
    now = clock.now()
    voucher = Voucher.objects.create(
        organisation_id=qualification.organisation_id, qualification=qualification, batch=batch,
        voucher_type=voucher_type, year=batch.year, category=voucher_type.category, face_value=face, balance=face,
        expires_on=batch.valid_until, claimed_at=now, claimed_by=actor)
    ledger_record(kind=LedgerEntry.Kind.CLAIM, year=batch.year, amount=face, actor=actor,
                  organisation=actor.organisation, fund=fund, voucher=voucher, memo=f"{batch.title} 领券")
    audit_record(actor=actor, action="voucher.claim", obj=voucher, to_state=Voucher.State.LIVE,
                 organisation=actor.organisation,
                 payload={"batch": batch.pk, "voucher_type": voucher_type.pk, "category": voucher_type.category,
                          "face_value": face, "expires_on": batch.valid_until})
    return voucher
