"""Check 3 (cost): what the deduction guard (vouchers migrations 0005, 0007 and 0011: the immediate counter triggers,
the deferred `vouchers_deduction_guard` check and the counters' own deferred checks at COMMIT) costs per deduction, and that the cost does not grow with
the year's deductions (the fund part is O(1); the holder and voucher sums are per holder / per voucher).

N enterprises, each with a live voucher and a rated order (bulk SQL, as the bench seeds them). Each deduction is
the money part of the service's transaction — qualification, voucher, deduction INSERT, fund — as one implicit
transaction (one round trip, `synchronous_commit = off`, so the figure is the database's CPU cost, not the
flush at COMMIT). Blocks of deductions alternate guard
off (`ALTER TABLE … DISABLE TRIGGER`) and guard on; the figure compares the median per-deduction time of the
first and the last thousand deductions, guard on and off."""
import statistics
import time

import pytest
from django.db import connection

from bench import seed
from reliability.figures import record, scale

pytestmark = [pytest.mark.django_db(transaction=True)]
DEDUCTIONS = scale("guard_cost_deductions", 4000)
BLOCK = 50  # guard off and on alternate in blocks, so both see the same machine load
AMOUNT = 1000
TRIGGERS = [("vouchers_deduction", "vouchers_deduction_guard"), ("vouchers_deduction", "vouchers_deduction_fund_guard"),
            ("vouchers_deduction", "vouchers_deduction_moved"),
            ("vouchers_fund", "vouchers_fund_counter_moved"), ("vouchers_fund", "vouchers_fund_counter_guard"),
            ("vouchers_qualification", "vouchers_qualification_used_guard"),
            ("vouchers_voucher", "vouchers_voucher_balance_guard")]


def _seed(n: int, year: int) -> int:
    b = seed.BASE
    sql = f"""
SET session_replication_role = replica;
{seed.buyers_sql(n, year=year, with_tokens=False, prefix='guard-e')}
UPDATE vouchers_qualification SET reserved = {AMOUNT} WHERE id > {b};
{seed.fund_batch_sql(year=year, total=f'{n * AMOUNT}.00', slots=n, face=f'{AMOUNT}.00')}
UPDATE vouchers_vouchertype SET remaining = 0 WHERE id = {b};
{seed.providers_sql(1, base=b + n + 10, prefix='guard-p')}
INSERT INTO providers_product (id, category, title, description, deliverables, duration_days, price,
    last_year_average_price, state, review_opinion, delist_reason, listed_at, order_count, rating_count,
    satisfied_count, dissatisfied_count, created_at, provider_id, selection_opinion, selection_reviewer)
  VALUES ({b}, '{seed.CATEGORY}', '数字化诊断服务', '标准化服务', '诊断报告', 30, 4000, 4000, 'listed', '', '', now(),
          0, 0, 0, 0, now(), {b + n + 11}, '', '');
INSERT INTO vouchers_voucher (id, year, category, face_value, balance, expires_on, state, claimed_at, ended_at,
    end_reason, batch_id, claimed_by_id, organisation_id, qualification_id, voucher_type_id)
  SELECT {b} + i, {year}, '{seed.CATEGORY}', {AMOUNT}, {AMOUNT}, '{year}-12-31', 'live', now(), NULL, '', {b},
         {b} + i, {b} + i, {b} + i, {b}
  FROM generate_series(1, {n}) i;
INSERT INTO vouchers_order (id, year, category, product_title, product_price, amount, buyer_size_class, state, signed_at,
    completed_at, completion_note, satisfaction, rating_comment, rated_at, cancel_reason, created_at,
    buyer_id, buyer_user_id, product_id, provider_id)
  SELECT {b} + i, {year}, '{seed.CATEGORY}', '数字化诊断服务', 4000, 4000, 'small', 'rated', now(), now(), '',
         'satisfied', '', now(), '', now(), {b} + i, {b} + i, {b}, {b + n + 11}
  FROM generate_series(1, {n}) i;
SET session_replication_role = DEFAULT;
ANALYZE;
"""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.execute("SELECT id FROM vouchers_fund WHERE year = %s", [year])
        return cursor.fetchone()[0]


def _guard(cursor, on: bool):
    for table, trigger in TRIGGERS:
        cursor.execute(f"ALTER TABLE {table} {'ENABLE' if on else 'DISABLE'} TRIGGER {trigger}")


def test_the_deduction_guard_costs_the_same_after_thousands_of_deductions(world):
    from hangqifu.core import clock

    year = clock.today().year
    n, b = DEDUCTIONS, seed.BASE
    fund = _seed(n, year)
    times = {True: [], False: []}  # guard on → [(i, seconds)]
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")  # the guard's CPU cost, not the disk's flush at COMMIT
        try:
            for i in range(1, n + 1):
                if i % BLOCK == 1:
                    on = (i // BLOCK) % 2 == 0
                    _guard(cursor, on)
                q = b + i
                started = time.perf_counter()
                cursor.execute(  # one implicit transaction: the deferred guard runs at its COMMIT
                    f"UPDATE vouchers_qualification SET used = used + {AMOUNT}, reserved = reserved - {AMOUNT} "
                    f"WHERE id = {q} AND quota >= used + {AMOUNT} AND reserved >= {AMOUNT}; "
                    f"UPDATE vouchers_voucher SET balance = balance - {AMOUNT} WHERE id = {q} AND balance >= {AMOUNT}; "
                    f"INSERT INTO vouchers_deduction (order_id, voucher_id, organisation_id, qualification_id, fund_id, "
                    f"year, amount, order_amount, ratio, declares_no_other_subsidy, created_by_id, created_at) "
                    f"VALUES ({q}, {q}, {q}, {q}, {fund}, {year}, {AMOUNT}, 4000, 0.5, true, {q}, now()); "
                    f"UPDATE vouchers_fund SET deducted = deducted + {AMOUNT} WHERE id = {fund} "
                    f"AND total >= deducted + {AMOUNT}")
                times[on].append((i, time.perf_counter() - started))
        finally:
            _guard(cursor, True)
            cursor.execute("RESET synchronous_commit")
        cursor.execute("SELECT count(*), sum(amount) FROM vouchers_deduction")
        count, total = cursor.fetchone()
        # the guard still refuses after the run: a deduction amount changed without its counters
        refused = False
        try:
            cursor.execute(f"UPDATE vouchers_deduction SET amount = amount - 1 WHERE order_id = {b + 2}")
        except Exception as exc:  # noqa: BLE001 - the IntegrityError of the guard
            refused = "deduction guard" in str(exc)

    def median_ms(on, low, high):
        return statistics.median(t for i, t in times[on] if low <= i <= high) * 1000

    window = min(1000, n // 3)
    first_on, first_off = median_ms(True, 1, window), median_ms(False, 1, window)
    last_on, last_off = median_ms(True, n - window + 1, n), median_ms(False, n - window + 1, n)
    first_cost, last_cost = first_on - first_off, last_on - last_off
    # O(1) in the year's size: the guard's extra cost at the end is within noise of its cost at the start
    flat = last_cost <= max(2 * first_cost, first_cost + 0.3)
    ok = flat and refused and count == n and total == n * AMOUNT
    record("db_guard_cost", tried=1, held=int(ok),
           detail=f"{n} deductions (money statements of the service's transaction, one round trip each), median "
                  f"per deduction — first {window}: guard off {first_off:.3f} ms, on {first_on:.3f} ms "
                  f"(+{first_cost:.3f}); last {window}: off {last_off:.3f} ms, on {last_on:.3f} ms "
                  f"(+{last_cost:.3f}); still refuses a bare deduction after the run: {refused}")
    from reliability.invariants import check_invariants

    assert refused and count == n and total == n * AMOUNT
    assert flat, (first_on, first_off, last_on, last_off)
    assert not [v for v in check_invariants() if v.invariant in ("I1", "I2")]
