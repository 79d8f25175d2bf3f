"""抵扣: applying voucher money to one rated order (第八、十条; I1–I3, I6).

Checked in this order, each with its stable code: the order is the caller's (404 otherwise) and rated
(`not_rated`), not yet deducted (`already_deducted`); a positive amount; the no-double-dipping declaration
(`duplicate_subsidy`); the voucher is the caller's, live and within validity (`voucher_expired`), of the
product's category (`category_mismatch`); amount ≤ share(order amount, the year's ratio)
(`deduction_over_ratio`), ≤ the voucher's balance (`balance_exceeded`), within the quota (`quota_exceeded`)
and within what the year's fund has left (`fund_remainder_exceeded`, stating the remainder; `fund_exhausted` once
it is spent or declared insufficient — see fund_remainder.py).

Then, in one transaction, three conditional UPDATEs move the money (each refuses rather than overspend) and
the deduction row is inserted under UNIQUE(order) and CHECK(amount ≤ order_amount × ratio).

Hot row and lock order. Every deduction of a year charges one row, the year's fund; its row lock is held from
that UPDATE until COMMIT, so the fund UPDATE is the LAST statement (after the caller's `before_charge`, where
the API renders its response) and everything that touches only this enterprise's rows comes first:

    year's gate (shared) → qualification → voucher → order FOR UPDATE → deduction, FSM logs, ledger, audit
    → (before_charge) → holder guards → provider's service-year counter UPDATE (第十二条) → fund UPDATE
      (deducted + x WHERE total ≥ deducted + x AND not exhausted; marks the fund exhausted when it leaves
      zero) → COMMIT (O(1) fund guards only)

- The year's gate (a shared advisory lock, vouchers/statements.py) comes first and is what keeps the order
  deadlock-free against `fund_exhaust` (gate exclusive → fund FOR UPDATE → qualifications → vouchers): the
  sweep waits for every deduction in flight, so it never holds the fund while a deduction holds a
  qualification and waits for the fund. Gate holders do not block each other; the fund's tuple is not locked
  before the charge (a FOR KEY SHARE there made every charge build a MultiXact of all deductions in flight).
  Claims take the fund FOR KEY SHARE instead (vouchers/services/voucher_claims.py), which the sweep's FOR UPDATE
  waits for too.
- qualification → voucher → order is the order of expiry and suspension (qualification → voucher) too.
- The fund UPDATE's 0 rows (the remainder taken meanwhile) raises FundRemainderExceeded (or FundExhausted at
  zero) and rolls everything back: the fund is never charged beyond its total and exactly the covered
  deductions are accepted."""
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, NotPermitted, RuleViolation
from hangqifu.core.money import share, yuan
from hangqifu.notifications.services import notify
from hangqifu.policy.services import policy_for
from hangqifu.workflows.transitions import fire
from registration.models import Qualification
from registration.selectors.eligibility import listed_on_day
from sanctions.services import assert_not_banned

from .. import permissions as perms
from ..models.funds import Fund
from ..models.ledger import LedgerEntry
from ..models.orders import Deduction, Order
from ..models.vouchers import Voucher
from ..selectors.orders import order_get
from ..statements import fund_gate_shared, holder_guards_now
from .common import assert_buyer_in_programme
from .fund_remainder import (  # noqa: F401  (re-exported for the API)
    FundExhausted,
    FundRemainderExceeded,
    assert_fund_covers,
    fund_charge,
    fund_exhaustion_schedule,
)
from .ledger import ledger_record
from .provider_cap import assert_provider_headroom, provider_cap_charge
from .subsidies import SubsidyMatch, assert_no_double_subsidy, near_matches_found

ZERO = Decimal("0.00")


def _parse_amount(value) -> Decimal:
    try:
        amount = yuan(value)
    except ValueError:
        raise InvalidInput("抵扣金额格式不正确", fields={"amount": ["请输入以元为单位、最多两位小数的金额"]}) from None
    if amount <= 0:
        raise InvalidInput("抵扣金额必须大于 0", fields={"amount": ["抵扣金额必须大于 0"]})
    if Decimal(str(value).strip()) != amount:
        raise InvalidInput("抵扣金额最多两位小数", fields={"amount": ["金额精确到分"]})
    return amount


def _check(*, actor, order: Order, voucher: Voucher, amount: Decimal, declares_no_other_subsidy: bool,
           qualification, fund, ratio: Decimal, today, provider_cap: Decimal | None = None) -> list[SubsidyMatch]:
    """Every rule of a deduction, in its order; returns the near matches of other programmes' awards (第八条: not
    refused, a lead for review)."""
    if order.state in (Order.State.SIGNED, Order.State.COMPLETED):
        raise RuleViolation("订单完成并经您评价后才能使用服务券抵扣", code="not_rated")
    if order.state == Order.State.DEDUCTED or _has_deduction(order):
        raise RuleViolation("该订单已使用服务券抵扣，每个订单只能抵扣一次", code="already_deducted")
    if order.state != Order.State.RATED:
        raise RuleViolation(f"订单状态为“{order.get_state_display()}”，不能抵扣", code="invalid_transition")
    if not declares_no_other_subsidy:
        raise RuleViolation("须声明该订单未享受对标提升、创新券或数改券支持（第八条，不得重复享受）",
                            code="duplicate_subsidy", fields={"declares_no_other_subsidy": ["须勾选声明"]})
    near = assert_no_double_subsidy(order=order)  # 第八条 checked against the imported award lists
    if voucher.state != Voucher.State.LIVE or voucher.expires_on < today or voucher.year != today.year:
        state = voucher.get_state_display() if voucher.state != Voucher.State.LIVE else "已过有效期"
        if voucher.state == Voucher.State.USED_UP:
            raise RuleViolation("该服务券余额已用完", code="balance_exceeded", fields={"voucher": ["余额为 0"]})
        raise RuleViolation(f"服务券 {voucher.number} {state}，不能抵扣", code="voucher_expired",
                            fields={"voucher": [state]})
    if voucher.year != order.year:  # DOMAIN I6: nothing crosses a year boundary (also a trigger, vouchers 0009)
        raise RuleViolation(f"{voucher.year} 年度的服务券不能抵扣 {order.year} 年度的订单", code="year_mismatch",
                            fields={"voucher": ["年度不一致"]})
    if voucher.category != order.category:
        raise RuleViolation(f"服务券类别（{voucher.get_category_display()}）与服务产品类别"
                            f"（{order.get_category_display()}）不一致", code="category_mismatch",
                            fields={"voucher": ["类别不一致"]})
    cap = share(order.amount, ratio)
    most = _most_deductible(cap=cap, voucher=voucher, qualification=qualification, fund=fund)
    if amount > cap:
        raise RuleViolation(f"单笔抵扣不得超过订单实际金额的 {ratio:.0%}（{cap} 元）；使用该服务券，本订单最多可抵扣 {most} 元",
                            code="deduction_over_ratio", fields={"amount": [f"最多 {most} 元"]})
    if amount > voucher.balance:
        raise RuleViolation(f"抵扣金额超过服务券余额 {voucher.balance} 元；使用该服务券，本订单最多可抵扣 {most} 元",
                            code="balance_exceeded", fields={"amount": [f"最多 {most} 元"]})
    if qualification is not None and qualification.state == Qualification.State.SUSPENDED:
        raise RuleViolation(f"您的 {qualification.year} 年度资格暂停中（{qualification.state_reason}），服务券已冻结，"
                            "恢复资格后方可抵扣", code="voucher_frozen", fields={"voucher": ["已冻结"]})
    if qualification is None or qualification.state != Qualification.State.ACTIVE:
        raise RuleViolation("您的年度资格已撤销，不能使用服务券", code="not_eligible")
    if qualification.used + amount > qualification.quota:
        raise RuleViolation(f"超出年度额度：额度 {qualification.quota} 元，已使用 {qualification.used} 元",
                            code="quota_exceeded")
    assert_provider_headroom(provider=order.provider, year=voucher.year, amount=amount,  # 第十二条, by service year
                             cap=provider_cap)
    assert_fund_covers(fund=fund, year=voucher.year, amount=amount)  # 用完为止: the remainder, to the cent
    return near


def _most_deductible(*, cap: Decimal, voucher: Voucher, qualification, fund) -> Decimal:
    """The real maximum of one deduction with this voucher: the ratio cap, the voucher's balance, the quota
    not yet used and what the year's fund has left — the figure the order page offers and refusals quote."""
    limits = [cap, voucher.balance]
    if qualification is not None:
        limits.append(qualification.quota - qualification.used)
    if fund is not None:
        limits.append(fund.available if fund.exhausted_at is None else ZERO)
    return max(ZERO, min(limits))


def _has_deduction(order: Order) -> bool:
    return Deduction.objects.filter(order_id=order.pk).exists()


def deduction_apply(*, actor, order_id, voucher_id, amount, declares_no_other_subsidy: bool,
                    schedule_voiding: bool = True, before_charge=None) -> Deduction:
    """Apply a deduction. More than the fund's remainder raises FundRemainderExceeded (nothing else happens);
    a fund already spent or declared insufficient raises FundExhausted and (unless the caller will do it itself
    after rolling back its own transaction, as the idempotent API does) re-queues the year's idempotent voiding
    after commit — at once when the caller holds no transaction.

    `before_charge(order, deduction)`, if given, runs inside the transaction once everything but the fund is
    written, just before the fund is charged (the API renders its response there, so the year's hot fund row
    is not held while it does); if the fund then refuses, its work is rolled back with the rest."""
    try:
        return _deduction_apply(actor=actor, order_id=order_id, voucher_id=voucher_id, amount=amount,
                                declares_no_other_subsidy=declares_no_other_subsidy, before_charge=before_charge)
    except FundExhausted as exc:
        if schedule_voiding:
            fund_exhaustion_schedule(year=exc.year)
        raise


def _prepare(*, actor, order_id, voucher_id, amount):
    """Parse and load what a deduction needs, refusing what needs no money rule: the order (404 when it is not
    the caller's), the caller as its buyer and not banned, the order rated, the amount, the caller's voucher."""
    order = order_get(user=actor, order_id=order_id)
    if not perms.is_buyer_of(order, actor):
        raise NotPermitted("只有订单的购买方可以使用服务券抵扣")
    assert_not_banned(actor.organisation_id, entry_point="deduction")
    if order.state in (Order.State.SIGNED, Order.State.COMPLETED):
        raise RuleViolation("订单完成并经您评价后才能使用服务券抵扣", code="not_rated")
    amount = _parse_amount(amount)
    voucher = (Voucher.objects.select_related("qualification__organisation")
               .filter(pk=voucher_id, organisation_id=actor.organisation_id).first()
               if str(voucher_id).isdigit() else None)
    if voucher is None:
        raise InvalidInput("请选择本单位的服务券", fields={"voucher": ["服务券不存在"]})
    return order, voucher, amount


def deduction_check(*, actor, order_id, voucher_id, amount, declares_no_other_subsidy: bool) -> Decimal:
    """Every rule of `deduction_apply`, read without locks and writing nothing: the order page runs it before
    asking for the irreversible confirmation, so a person confirms only an amount the rules accept now (the
    deduction itself checks again under its locks). Returns the amount, parsed."""
    order, voucher, amount = _prepare(actor=actor, order_id=order_id, voucher_id=voucher_id, amount=amount)
    today = clock.today()
    _check(actor=actor, order=order, voucher=voucher, amount=amount,
           declares_no_other_subsidy=bool(declares_no_other_subsidy), qualification=voucher.qualification,
           fund=Fund.objects.filter(year=voucher.year).first(), ratio=policy_for(voucher.year).deduction_ratio,
           today=today)
    return amount


def _deduction_apply(*, actor, order_id, voucher_id, amount, declares_no_other_subsidy: bool,
                     before_charge=None) -> Deduction:
    order, voucher, amount = _prepare(actor=actor, order_id=order_id, voucher_id=voucher_id, amount=amount)
    now = clock.now()  # the business clock, read once for the whole request
    today = timezone.localdate(now)
    assert_buyer_in_programme(credit_code=voucher.qualification.organisation.credit_code, on=today,
                              action="使用服务券抵扣")
    policy = policy_for(voucher.year)  # read once: the ratio and the provider's cap (第八、十二条)
    ratio, cap = policy.deduction_ratio, policy.provider_annual_cap
    deduction, near = _move_money(
        actor=actor, order=order, voucher=voucher, amount=amount, ratio=ratio, cap=cap, now=now,
        before_charge=before_charge,
        check=lambda fund: _check(actor=actor, order=order, voucher=voucher, amount=amount,
                                  declares_no_other_subsidy=bool(declares_no_other_subsidy),
                                  qualification=voucher.qualification, fund=fund, ratio=ratio, today=today,
                                  provider_cap=cap))
    # Near matches of another programme's award (found by the check, under the locks) are a lead for review,
    # raised once the money has moved (not while the fund row is held; the nightly fraud run recomputes the same
    # signal if this is lost).
    transaction.on_commit(lambda: near_matches_found(order=order, near=near), robust=True)
    return deduction


@transaction.atomic
def _move_money(*, actor, order: Order, voucher: Voucher, amount: Decimal, ratio: Decimal, now, check,
                before_charge=None, cap: Decimal | None = None) -> tuple[Deduction, list[SubsidyMatch]]:
    """Move the money under the locks, in the order of the module's docstring; returns the deduction and what
    `check(fund)` returned (the near subsidy matches)."""
    year = voucher.year
    today = timezone.localdate(now)
    # 0. the year's gate, shared (blocks only fund_exhaust), and the fund; with it, every rule in its order
    #    (_check) — the refusals of a fund that cannot cover the amount end here, before any work.
    fund = fund_gate_shared(year)
    near = check(fund)
    # 1. qualification: the voucher's balance moves from reserved to used, within the quota — only while the
    #    qualification is active (a suspended one freezes its vouchers) and its holder listed nowhere today.
    if not Qualification.objects.filter(~listed_on_day(voucher.qualification.organisation.credit_code, today),
                                        pk=voucher.qualification_id, state=Qualification.State.ACTIVE,
                                        quota__gte=F("used") + amount, reserved__gte=amount).update(
            used=F("used") + amount, reserved=F("reserved") - amount):
        raise RuleViolation("超出年度额度或年度资格已失效", code="quota_exceeded")
    # 2. voucher: UPDATE … SET balance = balance - x WHERE live AND not expired AND balance >= x.
    if not Voucher.objects.filter(pk=voucher.pk, state=Voucher.State.LIVE, expires_on__gte=today,
                                  category=order.category, balance__gte=amount).update(balance=F("balance") - amount):
        raise RuleViolation("服务券余额不足或已失效", code="balance_exceeded")
    # 3. order, locked; a concurrent deduction of the same order has either committed (state moved) or
    #    will hit UNIQUE(order) below.
    order = Order.objects.select_for_update(of=("self",)).select_related("buyer", "provider").get(pk=order.pk)
    if order.state != Order.State.RATED:
        raise RuleViolation("该订单已使用服务券抵扣，每个订单只能抵扣一次", code="already_deducted")
    try:
        with transaction.atomic():
            deduction = Deduction.objects.create(
                order=order, voucher=voucher, organisation_id=order.buyer_id, qualification_id=voucher.qualification_id,
                fund=fund, year=year, amount=amount, order_amount=order.amount, ratio=ratio,
                declares_no_other_subsidy=True, created_by=actor, created_at=now)
    except IntegrityError:
        raise RuleViolation("该订单已使用服务券抵扣，每个订单只能抵扣一次", code="already_deducted") from None
    voucher.balance = Voucher.objects.filter(pk=voucher.pk).values_list("balance", flat=True).get()
    fire(order, "deduct", actor=actor, action="order.deduct", organisation=order.buyer,
         payload={"deduction": deduction.pk, "voucher": voucher.pk, "amount": amount, "ratio": ratio,
                  "order_amount": order.amount, "voucher_balance": voucher.balance,
                  "declares_no_other_subsidy": True})
    if voucher.balance == 0:
        fire(voucher, "use_up", actor=actor, system=True, action="voucher.use_up", organisation=order.buyer,
             payload={"order": order.pk, "deduction": deduction.pk})
    ledger_record(kind=LedgerEntry.Kind.DEDUCTION, year=year, amount=amount, actor=actor, organisation=order.buyer,
                  fund=fund, voucher=voucher, order=order, deduction=deduction,
                  memo=f"订单 {order.number} 抵扣", business_time=now)
    transaction.on_commit(lambda: notify(
        subject=f"订单 {order.number} 已使用服务券抵扣 {amount} 元", organisation=order.provider,
        url=f"/vouchers/orders/{order.pk}/",
        body=f"购买方 {order.buyer.name} 已使用服务券抵扣 {amount} 元，可在兑付时申请。"))
    if before_charge is not None:
        before_charge(order, deduction)
    # 4. the holder's guards now, the provider's service-year counter, then the fund, last (the hot row):
    #    UPDATE … SET deducted = deducted + x WHERE deducted + x <= total (and not closed). Held from here
    #    to COMMIT only (vouchers/statements.py, fund_remainder.py).
    holder_guards_now()
    provider_cap_charge(provider=order.provider, year=year, amount=amount, cap=cap)  # 第十二条 (provider_cap.py)
    fund_charge(fund=fund, amount=amount, actor=actor, now=now)
    return deduction, near
