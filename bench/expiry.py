"""Benchmark 4 — year-end expiry of 1,000,000 live vouchers (100,000 holders × 10, each with its claim ledger
entry). The application's job (vouchers.services.expiry.vouchers_expire_due, the daily periodic job at the
first day of the next year) against a hand-written SQL script of the same effect (bench/sql/expiry.sql) on an
identical copy; then the job again, which must change nothing."""
import time
from datetime import date

from . import seed
from .lib import DB_PREFIX, seed_database, ROOT, clone_db, drop_db, figure, log, psql, scale, setup_django, write_fragment

HOLDERS = scale(100_000, 2_000)
PER_HOLDER = 10
FACE = "500.00"
SEED_DB, APP_DB, SQL_DB = f"{DB_PREFIX}_exp_seed", f"{DB_PREFIX}_exp_app", f"{DB_PREFIX}_exp_sql"


def seed_sql(year: int) -> str:
    base = seed.BASE
    n = HOLDERS * PER_HOLDER
    return f"""
SET session_replication_role = replica;  -- bulk load: skip FK triggers (rows are generated consistent)
{seed.buyers_sql(HOLDERS, year=year, with_tokens=False, prefix='bench-x')}
{seed.fund_batch_sql(year=year, total='1000000000.00', slots=n, face=FACE)}
UPDATE vouchers_vouchertype SET remaining = 0 WHERE id = {base};
UPDATE vouchers_qualification SET reserved = {PER_HOLDER} * {FACE} WHERE id > {base};
INSERT INTO vouchers_voucher (id, year, category, face_value, balance, expires_on, state, claimed_at, ended_at,
    end_reason, batch_id, claimed_by_id, organisation_id, qualification_id, voucher_type_id)
  SELECT i, {year}, '{seed.CATEGORY}', {FACE}, {FACE}, '{year}-12-31', 'live', now(), NULL, '', {base},
         {base} + 1 + (i - 1) / {PER_HOLDER}, {base} + 1 + (i - 1) / {PER_HOLDER}, {base} + 1 + (i - 1) / {PER_HOLDER},
         {base}
  FROM generate_series(1, {n}) i;
{seed.claim_entries_sql(year=year, amount=FACE)}
SET session_replication_role = DEFAULT;
{seed.fix_sequences_sql(['accounts_organisation', 'accounts_user', 'vouchers_qualification', 'vouchers_issuancebatch',
                         'vouchers_vouchertype', 'vouchers_voucher'])}
VACUUM ANALYZE;
"""


def effect(db: str) -> dict:
    row = psql("""SELECT
        (SELECT count(*) FROM vouchers_voucher WHERE state = 'expired'),
        (SELECT count(*) FROM vouchers_voucher WHERE state = 'live'),
        (SELECT coalesce(sum(balance), 0) FROM vouchers_voucher),
        (SELECT count(*) FROM vouchers_ledgerentry WHERE kind = 'expiry'),
        (SELECT coalesce(sum(amount), 0) FROM vouchers_ledgerentry WHERE kind = 'expiry'),
        (SELECT coalesce(sum(reserved), 0) FROM vouchers_qualification),
        (SELECT count(*) FROM vouchers_ledgerentry),
        (SELECT count(*) FROM django_fsm_log_statelog WHERE transition = 'expire' AND state = 'expired')""",
               db).split("|")
    keys = ["expired", "live", "balance_left", "expiry_entries", "expiry_amount", "reserved_left", "ledger_rows",
            "transition_log_rows"]
    return dict(zip(keys, row, strict=True))


def main() -> None:
    year = seed.current_year()
    seed_database(SEED_DB, seed_sql(year), f"{HOLDERS * PER_HOLDER} vouchers with ledger entries")
    clone_db(SQL_DB, SEED_DB)
    clone_db(APP_DB, SEED_DB)
    drop_db(SEED_DB)

    sql = (ROOT / "bench" / "sql" / "expiry.sql").read_text()
    started = time.time()
    psql(sql, SQL_DB, args=["-v", f"today='{year + 1}-01-01'", "-v", f"year={year + 1}"])
    sql_s = time.time() - started
    sql_effect = effect(SQL_DB)
    log(f"expiry: hand-written SQL {sql_s:.1f}s {sql_effect}")
    drop_db(SQL_DB)

    setup_django(APP_DB)
    from vouchers.services.expiry import vouchers_expire_due
    from vouchers.services.ledger import ledger_verify

    new_year = date(year + 1, 1, 1)
    started = time.time()
    first = vouchers_expire_due(today=new_year)
    app_s = time.time() - started
    app_effect = effect(APP_DB)
    started = time.time()
    second = vouchers_expire_due(today=new_year)
    second_s = time.time() - started
    after_second = effect(APP_DB)
    verify_ok = None
    if HOLDERS <= 10_000:  # the full conservation check reads every row; at a million it is a job of its own
        verify_ok = ledger_verify().ok
    log(f"expiry: app {app_s:.1f}s {app_effect}; second run {second_s:.1f}s {second}")
    ratio = app_s / sql_s if sql_s else 0.0
    same = app_effect == sql_effect and int(app_effect["expired"]) == HOLDERS * PER_HOLDER
    figures = [
        figure("expiry.vouchers", HOLDERS * PER_HOLDER, "vouchers", "1,000,000", None),
        figure("expiry.app_seconds", app_s, "s", "", None),
        figure("expiry.sql_seconds", sql_s, "s", "hand-written UPDATE; INSERT … SELECT", None),
        figure("expiry.app_vs_sql", ratio, "ratio", "≤ 3", ratio <= 3),
        figure("expiry.same_effect_as_sql", same, "bool", "true", same),
        figure("expiry.second_run_changes", int(second["count"]) + int(after_second["ledger_rows"])
               - int(app_effect["ledger_rows"]), "rows", "= 0", second["count"] == 0 and after_second == app_effect),
    ]
    write_fragment("expiry", figures, {"holders": HOLDERS, "per_holder": PER_HOLDER, "app_effect": app_effect,
                                       "sql_effect": sql_effect, "first": first, "second": second,
                                       "second_seconds": second_s, "ledger_verify_ok": verify_ok})
    from django.db import connection

    connection.close()
    drop_db(APP_DB)


if __name__ == "__main__":
    main()
