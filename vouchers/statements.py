"""The money statements whose SQL differs between PostgreSQL and SQLite, one function each, both variants side by
side. PostgreSQL is the portal's system of record (row locks, advisory locks, deferred guards, concurrent writers);
SQLite serves `make run` and writes one transaction at a time, so what a variant needs for concurrency is
a no-op or a plainer statement there. Services call these functions and never ask which database they run on.

The year's fund is one hot row: every deduction of the year ends by charging it (`deducted + x`) and holds its
lock until COMMIT. What a deduction does while it holds that row is what bounds the year's deduction rate, so
nothing else may touch the row, and COMMIT must do only O(1) work:

- The gate. A deduction must not start while `fund_exhaust` voids the year, and must never hold a qualification
  while the sweep holds the fund and waits for that qualification. A shared advisory lock per year (the gate)
  gives exactly that: deductions take it shared as their first lock, the sweep takes it exclusively before its
  fund FOR UPDATE. It lives in PostgreSQL's lock table, not in the fund's tuple: a FOR KEY SHARE on the fund row
  instead (held by every deduction in flight while others update the row) makes each UPDATE of the row build a
  MultiXact of all those holders: the gate instead doubled the deduction SQL in pgbench (bench/analysis.md).
- The holder guards (vouchers migration 0011) fire just before the charge, not at COMMIT: the sums over the
  qualification's and the voucher's deductions run while only this holder's rows are locked; the fund row is
  then checked at COMMIT by the O(1) accumulator alone.
- The charge is the transaction's last statement: a conditional UPDATE that refuses rather than overspend and
  marks the fund spent when it leaves zero (`charge_fund`, called by `fund_remainder.fund_charge`).

A claim's hot row is its voucher type's `remaining` (`take_slot`, last); the claim reads the fund and the batch
under FOR KEY SHARE first (`key_share_fund_and_batch`), see vouchers/services/voucher_claims.py for the lock order."""
from decimal import Decimal

from django.db import connection

from .models.funds import Fund, IssuanceBatch, VoucherType

FUND_GATE = 7152027  # advisory lock namespace (the audit chains use 7152026); the second key is the year
HOLDER_GUARDS = ("vouchers_deduction_guard", "vouchers_qualification_used_guard", "vouchers_voucher_balance_guard")


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def fund_gate_shared(year: int) -> Fund | None:
    """Enter the year's gate (shared, until COMMIT) and read the year's fund, unlocked.
    SQLite has no advisory locks and needs none (one writer at a time): the read alone."""
    if _postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [FUND_GATE, year])
    return Fund.objects.filter(year=year).first()


def fund_gate_exclusive(year: int) -> None:
    """Close the year's gate (until COMMIT): waits for every deduction in flight, keeps new ones out.
    On SQLite the sweep's write lock already excludes every deduction: nothing to do."""
    if _postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [FUND_GATE, year])


def holder_guards_now() -> None:
    """Fire the deferred guards of the holder's rows now (they raise IntegrityError here if a counter is off),
    then defer them again: whatever this transaction changes afterwards is checked at COMMIT as before (one
    round trip for both). The guards are PostgreSQL constraint triggers (migration 0011); SQLite has none."""
    if _postgresql():
        guards = ", ".join(HOLDER_GUARDS)
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {guards} IMMEDIATE; SET CONSTRAINTS {guards} DEFERRED")


def key_share_fund_and_batch(year: int, batch_id: int) -> tuple[bool, IssuanceBatch | None]:
    """Lock the year's fund and the batch FOR KEY SHARE (one statement) and read them again: whether the fund
    is still open (not exhausted), and the batch's state and window as committed now.
    SQLite has no row locks (its writers are serialised anyway): the same two facts, read plainly."""
    if not _postgresql():
        return (Fund.objects.filter(year=year, exhausted_at__isnull=True).exists(),
                IssuanceBatch.objects.only("state", "opens_at", "closes_at").filter(pk=batch_id).first())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT f.exhausted_at IS NULL, b.state, b.opens_at, b.closes_at "
                       f"FROM {Fund._meta.db_table} f, {IssuanceBatch._meta.db_table} b "
                       f"WHERE f.year = %s AND b.id = %s FOR KEY SHARE", [year, batch_id])
        row = cursor.fetchone()
    if row is None:
        return False, None
    fund_open, state, opens_at, closes_at = row
    return bool(fund_open), IssuanceBatch(pk=batch_id, state=state, opens_at=opens_at, closes_at=closes_at)


def take_slot(type_id: int) -> int | None:
    """One round trip: the conditional slot UPDATE (`remaining - 1` only while a slot is left), returning what is
    left (None: no slot left). The same statement on both databases (SQLite ≥ 3.35 has RETURNING)."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {VoucherType._meta.db_table} SET remaining = remaining - 1 "
                       f"WHERE id = %s AND remaining > 0 RETURNING remaining", [type_id])
        row = cursor.fetchone()
    return None if row is None else row[0]


_CHARGE_SQL = """
UPDATE {table} SET deducted = deducted + %(amount)s,
       exhausted_at = CASE WHEN deducted + %(amount)s = total THEN %(now)s ELSE exhausted_at END,
       exhaustion_cause = CASE WHEN deducted + %(amount)s = total THEN %(cause)s ELSE exhaustion_cause END
 WHERE id = %(id)s AND exhausted_at IS NULL AND total >= deducted + %(amount)s
RETURNING total - deducted"""


def charge_fund(*, fund_id: int, amount: Decimal, now) -> Decimal | None:
    """Charge the fund `amount` unless that passes its total or it is exhausted, and mark it exhausted (cause:
    remainder zero) when the charge leaves exactly zero; returns what it has left, or None when it refused.
    PostgreSQL: one conditional UPDATE … RETURNING in exact numeric arithmetic. SQLite computes a money column
    in floating point (0.10 + 0.20 > 0.30 there), so the same condition could refuse the fund's last cent:
    the row is read through the model's Decimal fields, the sum checked in Python and the exact result
    written. The deduction calls this after its first writes, so its transaction already holds SQLite's only
    write lock and nobody changes the row between the read and the write."""
    if _postgresql():
        with connection.cursor() as cursor:
            cursor.execute(_CHARGE_SQL.format(table=Fund._meta.db_table),
                           {"amount": amount, "now": now, "cause": Fund.ExhaustionCause.REMAINDER_ZERO,
                            "id": fund_id})
            row = cursor.fetchone()
        return None if row is None else Decimal(row[0])
    row = Fund.objects.filter(pk=fund_id, exhausted_at__isnull=True).values_list("total", "deducted").first()
    if row is None or row[1] + amount > row[0]:
        return None
    total, deducted = row[0], row[1] + amount
    spent = {"exhausted_at": now, "exhaustion_cause": Fund.ExhaustionCause.REMAINDER_ZERO} if deducted == total else {}
    Fund.objects.filter(pk=fund_id).update(deducted=deducted, **spent)
    return total - deducted
