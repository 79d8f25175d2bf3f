"""Ending vouchers: expiry at the end of validity or of the year, voiding when the year's fund is exhausted
or the holder's qualification is revoked (第四条, 第九条; I6). A suspended qualification's vouchers are frozen,
not ended (registration/services/qualification.py).

One routine does all of it set-based (`hangqifu.workflows.set_based`: the Voucher's declared system
transitions `expire` and `void`) — a fixed number of statements whatever the number of vouchers: lock (fund →)
qualifications → vouchers in the house lock order, INSERT … SELECT the ledger entries with the remaining
balances, release those balances from the qualifications' `reserved`, write each voucher's transition-log row,
then one UPDATE ending the vouchers with balance 0, and one audit event with the count. Idempotent: a second
run finds no live voucher to end (and the ledger's UNIQUE index refuses a second void/expiry entry for a
voucher)."""
import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.notifications.services import notify
from hangqifu.workflows.set_based import declared_move, state_log_rows

from registration.models import Qualification
from ..models.funds import Fund
from ..models.ledger import LedgerEntry
from ..models.vouchers import Voucher
from ..statements import fund_gate_exclusive
from .ledger import ledger_record_voucher_ends

logger = logging.getLogger(__name__)
ZERO = Decimal("0.00")


def _end_vouchers(*, where: Q, transition: str, kind: str, reason: str, actor=None, action: str) -> dict:
    """Fire `transition` (`expire` or `void`) on every live voucher matching `where`. The caller holds the
    parent lock that keeps new vouchers of the set from appearing (the fund row for a year, the qualification
    row for one holder); vouchers past validity cannot be claimed at all."""
    sources, target = declared_move(Voucher, transition)
    live = Voucher.objects.filter(where, state__in=sources).order_by()
    # Lock order: qualification → voucher (after the fund, which callers lock first when they need it).
    for _ in Qualification.objects.select_for_update().filter(
            pk__in=Subquery(live.values("qualification_id"))).order_by("pk").values_list("pk", flat=True).iterator():
        pass
    for _ in live.select_for_update().order_by("pk").values_list("pk", flat=True).iterator():
        pass
    amount = (live.aggregate(s=Sum("balance"))["s"] or ZERO).quantize(ZERO)
    count = ledger_record_voucher_ends(voucher_ids_sql=live.values("pk").query.sql_with_params(), kind=kind,
                                       memo=reason, actor=actor)
    if not count:
        return {"count": 0, "amount": ZERO}
    released = Voucher.objects.filter(where, state__in=sources, qualification=OuterRef("pk")).values(
        "qualification").annotate(s=Sum("balance")).values("s")[:1]
    Qualification.objects.filter(pk__in=Subquery(live.values("qualification_id"))).update(
        reserved=F("reserved") - Coalesce(Subquery(released), ZERO))
    # A year's end or an exhausted fund ends every live voucher of the set at once (hundreds of thousands), a
    # system step nobody fires by hand: each voucher gets its ledger entry and its transition-log row, and the
    # one audit event below carries the count.
    live_sql, live_params = live.values("pk").query.sql_with_params()
    state_log_rows(Voucher, transition, where=f"id IN ({live_sql})", params=list(live_params))
    ended = live.update(state=target, balance=ZERO, ended_at=clock.now(), end_reason=reason[:200])
    if ended != count:  # the locks make this impossible; refuse to commit a ledger that does not match
        raise RuntimeError(f"voucher sweep ended {ended} vouchers but wrote {count} ledger entries")
    audit_record(actor=actor, action=action, payload={"count": count, "amount": amount, "reason": reason})
    return {"count": count, "amount": amount}


@transaction.atomic
def vouchers_expire_due(*, today=None) -> dict:
    """Daily: vouchers past their validity, and every voucher of a year that has ended, expire."""
    today = today or clock.today()
    result = _end_vouchers(where=Q(expires_on__lt=today) | Q(year__lt=today.year), transition="expire",
                           kind=LedgerEntry.Kind.EXPIRY, reason=f"{today:%Y-%m-%d} 前有效期届满",
                           action="voucher.expire")
    logger.info("voucher expiry on %s: %s vouchers, %s yuan", today, result["count"], result["amount"])
    return result


@transaction.atomic
def fund_exhaust(*, year: int, actor=None) -> dict:
    """Void every unused voucher of a year whose fund truly cannot pay any more (第四条 用完为止): its remainder
    is zero, or the bureau has confirmed a declaration that the fund is insufficient (which marks the fund
    exhausted before calling this). A fund with money left is not touched — one refused request never ends
    the year. Idempotent — safe to run from the task, its retries and the daily job.

    It closes the year's gate (vouchers/statements.py) and then locks the fund FOR UPDATE: together they wait
    for every deduction (gate holders from their first statement) and claim (fund FOR KEY SHARE from their first
    statement) in flight and keep new ones out until COMMIT; it never waits for a qualification while one of
    them holds that qualification and waits for the fund (see claims.py and deductions.py)."""
    fund_gate_exclusive(year)  # lock order: the gate, then the fund
    fund = Fund.objects.select_for_update().filter(year=year).first()
    if fund is None:
        return {"count": 0, "amount": ZERO}
    if fund.exhausted_at is None:
        if fund.deducted < fund.total:
            logger.info("fund %s has %s yuan left: nothing voided", year, fund.available)
            return {"count": 0, "amount": ZERO, "remainder": fund.available}
        fund.exhausted_at, fund.exhaustion_cause = clock.now(), Fund.ExhaustionCause.REMAINDER_ZERO
        fund.save(update_fields=["exhausted_at", "exhaustion_cause"])
        audit_record(actor=actor, action="fund.exhausted", obj=fund,
                     payload={"year": year, "total": fund.total, "deducted": fund.deducted,
                              "cause": fund.exhaustion_cause})
    reason = (f"{year} 年度服务券资金总额不足（市经信局认定）" if fund.exhaustion_cause == Fund.ExhaustionCause.DECLARED
              else f"{year} 年度服务券资金已用完")
    result = _end_vouchers(where=Q(year=year), transition="void", kind=LedgerEntry.Kind.VOID,
                           reason=reason, actor=actor, action="voucher.void_fund_exhausted")
    if result["count"]:
        transaction.on_commit(lambda: notify(
            subject=f"{year} 年度服务券资金已用完", roles=["bureau", "service_center"],
            body=f"资金总额 {fund.total} 元，已抵扣 {fund.deducted} 元（{fund.get_exhaustion_cause_display()}）；"
                 f"{result['count']} 张未使用的服务券（余额 {result['amount']} 元）已作废。"))
    logger.info("fund %s exhausted: voided %s vouchers, %s yuan", year, result["count"], result["amount"])
    return result


@transaction.atomic
def qualification_vouchers_void(*, qualification, actor=None, reason: str = "") -> dict:
    """The holder's qualification was revoked (第九条): void its live vouchers. Call it from the revocation
    service, inside its transaction."""
    Qualification.objects.select_for_update().filter(pk=qualification.pk).values_list("pk", flat=True).first()
    reason = reason or "年度资格被撤销"
    result = _end_vouchers(where=Q(qualification_id=qualification.pk), transition="void",
                           kind=LedgerEntry.Kind.VOID, reason=reason, actor=actor, action="voucher.void_qualification")
    if result["count"]:
        transaction.on_commit(lambda: notify(
            subject="您的服务券已作废", organisation=qualification.organisation,
            body=f"因{reason}，{result['count']} 张服务券（余额合计 {result['amount']} 元）已作废。"))
    return result


def live_vouchers_of(qualification) -> tuple[int, Decimal]:
    """(number, Σ balance) of the qualification's live vouchers: what its suspension freezes."""
    figures = Voucher.objects.filter(qualification_id=qualification.pk, state=Voucher.State.LIVE).aggregate(
        n=Count("pk"), s=Sum("balance"))
    return figures["n"], figures["s"] or 0


def exhausted_years_sweep() -> dict:
    """Daily safety net: a year whose fund is marked exhausted keeps no live voucher (the task may be lost)."""
    results = {}
    years = Fund.objects.filter(exhausted_at__isnull=False).values_list("year", flat=True)
    for year in Voucher.objects.filter(year__in=years, state=Voucher.State.LIVE).values_list(
            "year", flat=True).distinct():
        results[year] = fund_exhaust(year=year)
    return results
