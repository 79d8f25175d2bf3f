"""Writing to and verifying the money ledger. Every service that moves money calls `ledger_record` (or one of
the set-based `ledger_record_voucher_ends` / `ledger_record_rows`) inside its own transaction; nothing else
writes `LedgerEntry`. `ledger_verify` proves conservation."""
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from hangqifu.core import clock
from registration.models import Qualification

from ..models.funds import Fund, VoucherType
from ..models.ledger import LedgerEntry
from ..models.orders import Deduction
from ..models.vouchers import Voucher

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def ledger_record(*, kind: str, year: int, amount: Decimal, actor=None, organisation=None, fund=None, voucher=None,
                  order=None, deduction=None, reference: str = "", memo: str = "", organisation_id=None, fund_id=None,
                  business_time=None) -> LedgerEntry:
    """Append one entry. Call inside the transaction that moves the money. `organisation_id` / `fund_id` spare
    a caller that knows only the ids a query; `business_time` defaults to the business clock now."""
    return LedgerEntry.objects.create(
        kind=kind, year=year, amount=amount, actor=actor if getattr(actor, "pk", None) else None,
        organisation_id=organisation.pk if organisation is not None else organisation_id,
        fund_id=fund.pk if fund is not None else fund_id, voucher=voucher, order=order, deduction=deduction,
        reference=reference, memo=memo[:200], business_time=business_time or clock.now())


def ledger_record_voucher_ends(*, voucher_ids_sql: tuple[str, list], kind: str, memo: str, actor=None) -> int:
    """Set-based: one INSERT … SELECT writing a void/expiry entry with the remaining balance of every voucher
    whose id the given SQL selects. Run it before the balances are zeroed, under the vouchers' row locks."""
    sql, params = voucher_ids_sql
    vt, fund_table = Voucher._meta.db_table, Fund._meta.db_table
    now = clock.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LedgerEntry._meta.db_table} (kind, year, amount, organisation_id, fund_id, voucher_id, "
            f"order_id, deduction_id, reference, memo, actor_id, business_time, recorded_at) "
            f"SELECT %s, v.year, v.balance, v.organisation_id, "
            f"(SELECT f.id FROM {fund_table} f WHERE f.year = v.year), v.id, NULL, NULL, '', %s, %s, %s, %s "
            f"FROM {vt} v WHERE v.id IN ({sql})",
            [kind, memo[:200], getattr(actor, "pk", None), now, timezone.now(), *params],
        )
        return cursor.rowcount


LEDGER_ROW_COLUMNS = ("year", "amount", "organisation_id", "fund_id", "voucher_id", "order_id", "deduction_id",
                      "reference")


def ledger_record_rows(*, kind: str, memo: str, rows_sql: tuple[str, list], business_time, actor=None) -> int:
    """Set-based: one INSERT … SELECT writing an entry of `kind` for every row the given SQL selects, its columns
    in the order of LEDGER_ROW_COLUMNS (e.g. one redemption entry per claim line of a disbursement order)."""
    sql, params = rows_sql
    columns = ", ".join(LEDGER_ROW_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LedgerEntry._meta.db_table} ({columns}, kind, memo, actor_id, business_time, recorded_at) "
            f"SELECT selected.*, %s, %s, %s, %s, %s FROM ({sql}) selected",
            [kind, memo[:200], getattr(actor, "pk", None), business_time, timezone.now(), *params],
        )
        return cursor.rowcount


# --- verification ----------------------------------------------------------------------------------------

@dataclass
class LedgerReport:
    funds: list[dict] = field(default_factory=list)
    vouchers_checked: int = 0
    qualifications_checked: int = 0
    voucher_types_checked: int = 0
    problems: list[str] = field(default_factory=list)
    totals: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _entry_sum(kind_filter: Q, **outer):
    entries = LedgerEntry.objects.filter(kind_filter, **{k: OuterRef(v) for k, v in outer.items()})
    return Coalesce(Subquery(entries.values(*outer.keys()).annotate(s=Sum("amount")).values("s")[:1],
                             output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def ledger_verify(*, max_problems: int = 50) -> LedgerReport:
    """Conservation, set-based (one query per check, whatever the number of rows):
    - fund: total = deducted + available, deducted = Σ deduction entries of the year = Σ deductions of the year;
    - voucher: face = balance + Σ its deduction entries + its void/expiry entry, and one claim entry = face;
    - qualification: used = Σ deduction entries of its vouchers; reserved = Σ balances of its live vouchers;
    - voucher type: count − remaining = vouchers claimed of it."""
    report = LedgerReport()

    def problem(text):
        if len(report.problems) < max_problems:
            report.problems.append(text)

    deduction_kind = Q(kind=LedgerEntry.Kind.DEDUCTION)
    for fund in Fund.objects.annotate(
            entries=_entry_sum(deduction_kind, year="year"),
            rows=Coalesce(Subquery(Deduction.objects.filter(year=OuterRef("year")).values("year")
                                   .annotate(s=Sum("amount")).values("s")[:1], output_field=_MONEY),
                          Value(ZERO), output_field=_MONEY)).order_by("year"):
        figures = {"year": fund.year, "total": fund.total, "deducted": fund.deducted, "available": fund.available,
                   "deduction_entries": fund.entries, "deductions": fund.rows}
        report.funds.append(figures)
        if fund.total != fund.deducted + fund.available or fund.deducted < 0 or fund.deducted > fund.total:
            problem(f"{fund.year} 年度资金：总额 {fund.total} ≠ 已抵扣 {fund.deducted} + 可用 {fund.available}")
        if fund.deducted != fund.entries:
            problem(f"{fund.year} 年度资金：已抵扣 {fund.deducted} ≠ 台账抵扣分录合计 {fund.entries}")
        if fund.entries != fund.rows:
            problem(f"{fund.year} 年度资金：台账抵扣分录合计 {fund.entries} ≠ 抵扣记录合计 {fund.rows}")

    vouchers = Voucher.objects.annotate(
        deducted=_entry_sum(deduction_kind, voucher="pk"),
        ended=_entry_sum(Q(kind__in=[LedgerEntry.Kind.VOID, LedgerEntry.Kind.EXPIRY]), voucher="pk"),
        claimed=_entry_sum(Q(kind=LedgerEntry.Kind.CLAIM), voucher="pk"),
        claims=Count("ledger_entries", filter=Q(ledger_entries__kind=LedgerEntry.Kind.CLAIM)),
    ).values_list("pk", "face_value", "balance", "deducted", "ended", "claimed", "claims", "state")
    for pk, face, balance, deducted, ended, claimed, claims, state in vouchers.iterator(chunk_size=2000):
        report.vouchers_checked += 1
        if face != balance + deducted + ended:
            problem(f"服务券 #{pk}：面额 {face} ≠ 余额 {balance} + 已抵扣 {deducted} + 作废/过期 {ended}")
        if claims != 1 or claimed != face:
            problem(f"服务券 #{pk}：领券分录 {claims} 条、金额 {claimed}，应为 1 条、{face}")
        if state in (Voucher.State.VOIDED, Voucher.State.EXPIRED, Voucher.State.USED_UP) and balance != 0:
            problem(f"服务券 #{pk}：状态 {state} 但余额为 {balance}")

    live_balance = Coalesce(Subquery(
        Voucher.objects.filter(qualification=OuterRef("pk"), state=Voucher.State.LIVE).values("qualification")
        .annotate(s=Sum("balance")).values("s")[:1], output_field=_MONEY), Value(ZERO), output_field=_MONEY)
    used_entries = Coalesce(Subquery(
        LedgerEntry.objects.filter(kind=LedgerEntry.Kind.DEDUCTION, voucher__qualification=OuterRef("pk"))
        .values("voucher__qualification").annotate(s=Sum("amount")).values("s")[:1], output_field=_MONEY),
        Value(ZERO), output_field=_MONEY)
    for pk, used, reserved, quota, live, entries in Qualification.objects.annotate(
            live=live_balance, entries=used_entries).values_list(
            "pk", "used", "reserved", "quota", "live", "entries").iterator(chunk_size=2000):
        report.qualifications_checked += 1
        if used != entries:
            problem(f"资格 #{pk}：已使用 {used} ≠ 台账抵扣合计 {entries}")
        if reserved != live:
            problem(f"资格 #{pk}：已领未用 {reserved} ≠ 有效服务券余额合计 {live}")
        if used + reserved > quota:
            problem(f"资格 #{pk}：已使用 {used} + 已领未用 {reserved} 超过额度 {quota}")

    for pk, count, remaining, claimed in VoucherType.objects.annotate(claimed=Count("vouchers")).values_list(
            "pk", "count", "remaining", "claimed").iterator(chunk_size=2000):
        report.voucher_types_checked += 1
        if count - remaining != claimed:
            problem(f"券种 #{pk}：发放 {count} − 剩余 {remaining} ≠ 已领取 {claimed}")

    # reversal (第二十条 recovery): only of a deduction that exists, never more than it was
    for pk, deduction_id, amount, deducted in LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REVERSAL).filter(
            Q(deduction__isnull=True) | Q(amount__gt=F("deduction__amount"))).values_list(
            "pk", "deduction_id", "amount", "deduction__amount"):
        problem(f"追回冲销分录 #{pk}：金额 {amount} 超过所冲销的抵扣 #{deduction_id}（{deducted}）或未关联抵扣")

    sums = LedgerEntry.objects.values("kind").annotate(total=Sum("amount"), n=Count("id"))
    report.totals = {row["kind"]: {"count": row["n"], "amount": row["total"]} for row in sums}
    return report
