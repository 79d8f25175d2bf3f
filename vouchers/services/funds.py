"""The bureau's fund per year (第五条) and issuance batches with their voucher types (第四、七条)."""
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.choices import ServiceCategory
from hangqifu.core.errors import InvalidInput, NotFound, NotPermitted, RuleViolation
from hangqifu.core.money import yuan
from hangqifu.workflows.transitions import fire
from hangqifu.policy.services import assert_policy_in_force, assert_year_in_force

from .. import permissions as perms
from ..models.funds import Fund, IssuanceBatch, VoucherType, default_valid_until
from . import voucher_claim_cache


def _amount(value, field: str) -> Decimal:
    try:
        amount = yuan(value)
    except ValueError:
        raise InvalidInput("金额格式不正确", fields={field: ["请输入以元为单位、最多两位小数的金额"]}) from None
    if amount <= 0:
        raise InvalidInput("金额必须大于 0", fields={field: ["金额必须大于 0"]})
    return amount


def _require_bureau(actor):
    if not perms.is_bureau(actor):
        raise NotPermitted("只有市经信局可以设置资金和发放批次")


@transaction.atomic
def fund_create(*, actor, year: int, total) -> Fund:
    _require_bureau(actor)

    total = _amount(total, "total")
    assert_year_in_force(year=year, action="设立年度服务券资金")  # 第二十二条
    if Fund.objects.filter(year=year).exists():
        raise RuleViolation(f"{year} 年度服务券资金已设立，每年只能设立一次", code="fund_exists", fields={"year": ["已设立"]})
    try:
        with transaction.atomic():
            fund = Fund.objects.create(year=year, total=total, created_by=actor)
    except IntegrityError:
        raise RuleViolation(f"{year} 年度服务券资金已设立", code="fund_exists") from None
    audit_record(actor=actor, action="fund.create", obj=fund, payload={"year": year, "total": total})
    return fund


def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@transaction.atomic
def batch_create(*, actor, year: int, title: str = "", opens_at: datetime, closes_at: datetime,
                 valid_until: date | None = None, voucher_types: list[dict]) -> IssuanceBatch:
    """voucher_types: [{"category", "face_value", "count"}]; at least one, categories of the ten (第七条)."""
    _require_bureau(actor)
    opens_at, closes_at = _aware(opens_at), _aware(closes_at)
    errors = {}
    if not Fund.objects.filter(year=year).exists():
        errors["year"] = [f"请先设立 {year} 年度服务券资金"]
    if closes_at <= opens_at:
        errors["closes_at"] = ["截止时间必须晚于开始时间"]
    if timezone.localtime(opens_at).year != year:
        errors["opens_at"] = ["开始领取时间须在本年度内"]
    valid_until = valid_until or default_valid_until(year)
    if valid_until.year != year:
        errors["valid_until"] = ["服务券有效期不得跨年度（最迟为当年 12 月 31 日）"]
    elif valid_until < timezone.localtime(closes_at).date():
        errors["valid_until"] = ["有效期不得早于领取截止日"]
    if not voucher_types:
        errors["voucher_types"] = ["至少设置一个券种"]
    cleaned, seen = [], set()
    for index, item in enumerate(voucher_types or []):
        category = item.get("category")
        if category not in ServiceCategory.values:
            errors[f"voucher_types[{index}].category"] = ["服务类别不在十类之内"]
            continue
        try:
            face = _amount(item.get("face_value"), "face_value")
            count = int(item.get("count"))
        except (InvalidInput, TypeError, ValueError):
            errors[f"voucher_types[{index}]"] = ["面额须大于 0，数量须为正整数"]
            continue
        if count <= 0:
            errors[f"voucher_types[{index}].count"] = ["数量须为正整数"]
            continue
        if (category, face) in seen:
            errors[f"voucher_types[{index}]"] = ["同一批次中券种（类别+面额）不能重复"]
            continue
        seen.add((category, face))
        cleaned.append((category, face, count))
    if errors:
        raise InvalidInput("批次设置有误", fields=errors)
    _assert_window_in_force(opens_at, closes_at)
    batch = IssuanceBatch.objects.create(
        year=year, title=title.strip() or f"{year} 年度服务券发放批次（{timezone.localtime(opens_at):%m月%d日}）",
        opens_at=opens_at, closes_at=closes_at, valid_until=valid_until, created_by=actor)
    types = VoucherType.objects.bulk_create([VoucherType(batch=batch, category=c, face_value=f, count=n, remaining=n)
                                             for c, f, n in cleaned])
    voucher_claim_cache.forget_types([t.pk for t in types])  # bulk_create sends no post_save
    audit_record(actor=actor, action="batch.create", obj=batch, to_state=batch.state,
                 payload={"year": year, "opens_at": opens_at, "closes_at": closes_at, "valid_until": valid_until,
                          "voucher_types": [{"category": c, "face_value": f, "count": n} for c, f, n in cleaned]})
    return batch


def _assert_window_in_force(opens_at: datetime, closes_at: datetime) -> None:
    """第二十二条: the whole claim window lies inside the policy's period (`policy_not_in_force`)."""

    assert_policy_in_force(action="开始领取（请调整开始领取时间）", on=timezone.localdate(opens_at))
    assert_policy_in_force(action="领取服务券（请调整截止领取时间）", on=timezone.localdate(closes_at - timedelta(seconds=1)))


def _transition(*, actor, batch_id: int, name: str, action: str) -> IssuanceBatch:
    batch = IssuanceBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("发放批次不存在")
    fire(batch, name, actor=actor, action=action, denied="只有市经信局可以发布或结束发放批次",
         wrong_state=f"批次当前为“{batch.get_state_display()}”，不能执行此操作")
    return batch


@transaction.atomic
def batch_open(*, actor, batch_id: int) -> IssuanceBatch:
    return _transition(actor=actor, batch_id=batch_id, name="open", action="batch.open")


@transaction.atomic
def batch_close(*, actor, batch_id: int) -> IssuanceBatch:
    return _transition(actor=actor, batch_id=batch_id, name="close", action="batch.close")


@transaction.atomic
def batches_close_due() -> int:
    """Daily: published batches whose claim window has passed are closed."""
    closed = 0
    for batch in IssuanceBatch.objects.select_for_update().filter(state=IssuanceBatch.State.OPEN,
                                                                  closes_at__lte=clock.now()):
        fire(batch, "close", actor=None, system=True, action="batch.close", payload={"reason": "领取时间届满"})
        closed += 1
    return closed
