"""The year's fund is one hot row: every deduction of the year ends by charging it (`deducted + x`) and holds its
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
  marks the fund spent when it leaves zero (`fund_remainder.fund_charge`).

On SQLite (one writer at a time) the gate and the early guards are no-ops."""
from django.db import connection

from ..models.funds import Fund

FUND_GATE = 7152027  # advisory lock namespace (the audit chains use 7152026); the second key is the year
HOLDER_GUARDS = ("vouchers_deduction_guard", "vouchers_qualification_used_guard", "vouchers_voucher_balance_guard")


def fund_gate_shared(year: int) -> Fund | None:
    """Enter the year's gate (shared, until COMMIT) and read the year's fund, unlocked."""
    if connection.vendor != "postgresql":
        return Fund.objects.filter(year=year).first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [FUND_GATE, year])
    return Fund.objects.filter(year=year).first()


def fund_gate_exclusive(year: int) -> None:
    """Close the year's gate (until COMMIT): waits for every deduction in flight, keeps new ones out."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [FUND_GATE, year])


def holder_guards_now() -> None:
    """Fire the deferred guards of the holder's rows now (they raise IntegrityError here if a counter is off),
    then defer them again: whatever this transaction changes afterwards is checked at COMMIT as before (one
    round trip for both)."""
    if connection.vendor == "postgresql":
        guards = ", ".join(HOLDER_GUARDS)
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {guards} IMMEDIATE; SET CONSTRAINTS {guards} DEFERRED")
