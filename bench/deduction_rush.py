"""Benchmark 2 — deduction rush as the year's fund runs out. 5,000 enterprises each hold a live 1,000-yuan
voucher and a rated 4,000-yuan order with one of 20 providers; the fund covers 3,000 deductions of 1,000. 256 wrk
connections deduct all 5,000 at once against gunicorn (production settings) with a Celery worker for the voiding
task. Baseline: pgbench running the deduction's own transaction (bench/pgbench/deduct.sql) on an identical copy."""
import os
import re
import subprocess
import time

from . import seed
from .httpbench import CpuMeter, Gunicorn, production_env, run_wrk, worker_class, workers_default
from .lib import DB_PREFIX, seed_database, OUT, ROOT, clone_db, drop_db, figure, log, psql, scale, write_fragment
from .seed import token

ORDERS = scale(5_000, 250)
COVERED = scale(3_000, 150)
AMOUNT = 1000
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", scale(256, 64)))
SEED_DB, HTTP_DB, PG_DB = f"{DB_PREFIX}_deduct_seed", f"{DB_PREFIX}_deduct", f"{DB_PREFIX}_deduct_pg"
PROVIDER = 3_000_000  # the providers' ids follow it
# 第十二条 caps each provider's year (500,000 yuan by default, 500 deductions of 1,000): the orders are spread
# over enough providers that the fund, not a provider's cap, is what runs out (250 orders each at full scale).
PROVIDERS = 20
HOT_ROW_SECONDS = scale(10, 5)
VARIANT_TRANSACTIONS = scale(1_200, 150)  # each suspect's variant: enough to measure, short enough for the budget


def seed_sql(year: int) -> str:
    b, p, n = seed.BASE, PROVIDER, ORDERS
    return f"""
SET session_replication_role = replica;  -- bulk load: skip FK triggers (rows are generated consistent)
{seed.buyers_sql(n, year=year)}
UPDATE vouchers_qualification SET reserved = {AMOUNT} WHERE id > {b};
{seed.fund_batch_sql(year=year, total=f'{COVERED * AMOUNT}.00', slots=n, face=f'{AMOUNT}.00')}
UPDATE vouchers_vouchertype SET remaining = 0 WHERE id = {b};
{seed.providers_sql(PROVIDERS, base=p, prefix='bench-dp')}
{seed.products_sql(PROVIDERS, base=p)}
INSERT INTO vouchers_voucher (id, year, category, face_value, balance, expires_on, state, claimed_at, ended_at,
    end_reason, batch_id, claimed_by_id, organisation_id, qualification_id, voucher_type_id)
  SELECT i, {year}, '{seed.CATEGORY}', {AMOUNT}, {AMOUNT}, '{year}-12-31', 'live', now(), NULL, '', {b}, {b} + i,
         {b} + i, {b} + i, {b}
  FROM generate_series(1, {n}) i;
{seed.claim_entries_sql(year=year, amount=str(AMOUNT))}
INSERT INTO vouchers_order (id, year, category, product_title, product_price, amount, buyer_size_class, state, signed_at,
    completed_at, completion_note, satisfaction, rating_comment, rated_at, cancel_reason, created_at,
    buyer_id, buyer_user_id, product_id, provider_id)
  SELECT i, {year}, '{seed.CATEGORY}', '数字化诊断服务', 4000, 4000, 'small', 'rated', now(), now(), '', 'satisfied', '',
         now(), '', now(), {b} + i, {b} + i, {p} + 1 + (i - 1) % {PROVIDERS}, {p} + 1 + (i - 1) % {PROVIDERS}
  FROM generate_series(1, {n}) i;
{seed.provider_service_years_sql(year)}
SET session_replication_role = DEFAULT;
{seed.fix_sequences_sql(['accounts_organisation', 'accounts_user', 'vouchers_qualification', 'vouchers_issuancebatch',
                         'vouchers_vouchertype', 'providers_product', 'vouchers_order', 'vouchers_voucher'])}
VACUUM ANALYZE;
"""


def prepare() -> None:
    year = seed.current_year()
    seed_database(SEED_DB, seed_sql(year), f"{ORDERS} rated orders, fund for {COVERED}")
    OUT.mkdir(parents=True, exist_ok=True)
    body = '{"voucher": %d, "amount": "%d.00", "declares_no_other_subsidy": true}'
    (OUT / "deduct-work.txt").write_text("".join(
        f"{token(i)}\t/api/v1/orders/{i}/deduct/\t{body % (i, AMOUNT)}\tbench-deduct-{i}\n"
        for i in range(1, ORDERS + 1)))


class CeleryWorker:
    """The worker that runs the voiding task the refused deductions enqueue (production settings)."""

    def __init__(self, db: str):
        self.db = db

    def __enter__(self):
        env = production_env(self.db)
        self.log = open(OUT / f"celery-{self.db}.log", "w")
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "celery"), "-A", "hangqifu", "worker", "-l", "warning", "--concurrency", "1",
             "-Q", env["CELERY_TASK_DEFAULT_QUEUE"], "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def state(db: str) -> dict:
    row = psql("""SELECT
        (SELECT count(*) FROM vouchers_deduction),
        (SELECT total - deducted FROM vouchers_fund ORDER BY year DESC LIMIT 1),
        (SELECT exhausted_at IS NOT NULL FROM vouchers_fund ORDER BY year DESC LIMIT 1),
        (SELECT count(*) FROM vouchers_voucher WHERE state = 'live'),
        (SELECT count(*) FROM vouchers_voucher WHERE state = 'voided'),
        (SELECT count(*) FROM vouchers_ledgerentry WHERE kind = 'void'),
        (SELECT count(*) FROM (SELECT voucher_id FROM vouchers_ledgerentry WHERE kind = 'void'
                               GROUP BY voucher_id HAVING count(*) > 1) twice),
        (SELECT count(*) FROM vouchers_order WHERE state = 'deducted'),
        (SELECT count(*) FROM vouchers_voucher WHERE state = 'used_up')""", db).split("|")
    keys = ["deductions", "fund_available", "fund_exhausted", "live", "voided", "void_entries", "voided_twice",
            "orders_deducted", "used_up"]
    return dict(zip(keys, row, strict=True))


def http_run() -> dict:
    clone_db(HTTP_DB, SEED_DB)
    with CeleryWorker(HTTP_DB), Gunicorn(HTTP_DB) as server:
        meter = CpuMeter(server.worker_pids()).start()
        wrk = run_wrk(work_file=OUT / "deduct-work.txt", connections=CONNECTIONS)
        cpu = meter.stop()
        served = server.post_statuses()
        waited = time.time()
        while time.time() - waited < 60:  # the voiding task runs in the worker after the refusals
            now = state(HTTP_DB)
            if now["live"] == "0":
                break
            time.sleep(0.5)
        voided_after_s = round(time.time() - waited, 2)
        time.sleep(2)  # let the queued duplicates of the task run: they must change nothing
    spans = psql("SELECT extract(epoch FROM max(created_at) - min(created_at)) FROM vouchers_deduction", HTTP_DB)
    return {"wrk": wrk, "served": dict(served), "cpu": cpu, "state": state(HTTP_DB), "deduction_span_s": float(spans or 0),
            "voided_within_s_after_rush": voided_after_s}


# The deduction's SQL (the app's statements, bench/pgbench/deduct.sql) and one variant per suspect of what holds
# the fund row, each on a fresh copy of the same seed (switches explained in deduct.sql); `before` is the
# transaction as it was before the idempotency response moved ahead of the charge.
APP = {"early_guards": 1, "guards": 1, "cap": 1, "reads": 0, "trips": 2, "charge": 1}
DEDUCT_VARIANTS = {
    "app": APP,
    "before": {**APP, "reads": 1, "trips": 3},
    "guards_at_commit_only": {**APP, "early_guards": 0},
    "guards_off": {**APP, "guards": 0},
    "provider_counter_off": {**APP, "cap": 0},
    "commit_alone_after_charge": {**APP, "trips": 1},
    "charge_with_commit": {**APP, "trips": 0},
    # no hot row at all (the fund guards refuse a deduction that does not charge the fund, so they are off too):
    # if this runs no faster than guards_off, the fund row is not what limits the deduction
    "guards_and_fund_row_off": {**APP, "guards": 0, "charge": 0},
}


def pgbench_run(clients: int, variant: str = "app", transactions: int = COVERED, setup_sql: str = "",
                **flags) -> dict:
    """The deduction transaction for every order, in order-id order; the fund refuses past its total, so only
    accepted transactions are counted (the \\if skips the rest, as the service raises and rolls back)."""
    clone_db(PG_DB, SEED_DB)
    year = seed.current_year()
    per_client = max(1, min(transactions, COVERED) // clients)
    total = per_client * clients
    fund = psql(f"SELECT id FROM vouchers_fund WHERE year = {year}", PG_DB)
    psql(f"UPDATE vouchers_fund SET total = {total * AMOUNT} WHERE id = {fund};" + setup_sql, PG_DB)
    command = ["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-n", "-c", str(clients), "-j", "2",
               "-t", str(per_client), "-f", str(ROOT / "bench" / "pgbench" / "deduct.sql"),
               "-D", f"year={year}", "-D", f"fund={fund}", "-D", f"base={seed.BASE}",
               "-D", f"amount={AMOUNT}", "-D", f"nc={clients}", "-D", "k=0", "-D", f"prov={PROVIDER}",
               "-D", f"providers={PROVIDERS}",
               *[arg for key, value in {**DEDUCT_VARIANTS[variant], **flags}.items() for arg in ("-D", f"{key}={value}")], PG_DB]
    measured = _pgbench(command)
    deductions = int(psql("SELECT count(*) FROM vouchers_deduction", PG_DB))
    charged = {**DEDUCT_VARIANTS[variant], **flags}["charge"]
    expected = "(SELECT coalesce(sum(amount), 0) FROM vouchers_deduction)" if charged else "0"
    drifted = psql(f"SELECT f.deducted <> {expected} FROM vouchers_fund f WHERE id = {fund}", PG_DB)
    if deductions != total or drifted != "f":
        raise RuntimeError(f"pgbench {variant}: {deductions} deductions of {total}, fund drifted: {drifted}")
    return {"variant": variant, "clients": clients, "transactions": total, **measured, "deductions": deductions}


def hot_row_run(clients: int, seconds: int) -> dict:
    """The bare conditional UPDATE of one counter row, committed alone (bench/pgbench/hot_row.sql)."""
    clone_db(PG_DB, SEED_DB)
    psql("CREATE TABLE bench_hot_row (id int PRIMARY KEY, total numeric(14, 2) NOT NULL,"
         " deducted numeric(14, 2) NOT NULL CHECK (deducted <= total));"
         " INSERT INTO bench_hot_row VALUES (1, 1e11, 0);", PG_DB)
    command = ["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-n", "-c", str(clients), "-j", "2",
               "-T", str(seconds), "-f", str(ROOT / "bench" / "pgbench" / "hot_row.sql"), "-D", f"amount={AMOUNT}",
               PG_DB]
    return {"clients": clients, **_pgbench(command)}


def _pgbench(command) -> dict:
    """tps, and what the machine's CPUs did meanwhile: busy share, and busy CPU ms per transaction (PostgreSQL,
    pgbench and anything else running) — a run whose CPUs are all busy is bound by CPU, not by a lock."""
    meter = CpuMeter([]).start()
    result = subprocess.run(command, capture_output=True, text=True)
    cpu = meter.stop()
    if result.returncode:
        raise RuntimeError(f"pgbench failed: {result.stderr[:1500]}\n{result.stdout[-1500:]}")
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout).group(1))
    done = int(re.search(r"number of transactions actually processed: (\d+)", result.stdout).group(1))
    return {"tps": tps, "machine_busy_pct": cpu["machine_busy_pct"],
            "machine_cpu_ms_per_tx": round(1000 * cpu["machine_busy_cpu_s"] / max(done, 1), 3)}


def _mean(runs, key) -> float:
    return sum(run[key] for run in runs) / len(runs)


def main() -> None:
    from .claim_rush import pgbench_clients

    prepare()
    clients = min(pgbench_clients(), CONNECTIONS)
    # the bare hot row, then each variant (the app's SQL first and last: the machine drifts), then the hot row
    # again; the ratio compares the app's SQL with the hot row, each the mean of its two runs
    hot = [hot_row_run(clients, HOT_ROW_SECONDS)]
    variants = {name: pgbench_run(clients, name, transactions=COVERED if name == "app" else VARIANT_TRANSACTIONS)
                for name in DEDUCT_VARIANTS}
    app_again = pgbench_run(clients, "app")
    hot.append(hot_row_run(clients, HOT_ROW_SECONDS))
    drop_db(PG_DB)
    hot_tps = sum(run["tps"] for run in hot) / len(hot)
    baseline = {**variants["app"], "tps": (variants["app"]["tps"] + app_again["tps"]) / 2,
                "runs": [variants["app"]["tps"], app_again["tps"]]}
    log(f"deduction pgbench: hot row {hot_tps:.0f} tps, deduction SQL {baseline['tps']:.0f} tps; variants "
        + ", ".join(f"{name} {run['tps']:.0f}" for name, run in variants.items()))
    run = http_run()
    wrk, final = run["wrk"], run["state"]
    posts = wrk["s201"] + wrk["s409"] + wrk["s4xx"] + wrk["s5xx"]
    ok = int(final["deductions"])
    served = run["served"]
    server_5xx = sum(n for status, n in served.items() if status.startswith("5"))
    non_409 = sum(n for status, n in served.items() if status not in ("200", "409"))
    unanswered = ORDERS - sum(served.values())
    per_s = ok / run["deduction_span_s"] if run["deduction_span_s"] else 0.0
    ratio = per_s / baseline["tps"] if baseline["tps"] else 0.0
    log(f"deduction rush: {per_s:.0f} deductions/s, {final}")
    sql_ratio = baseline["tps"] / hot_tps if hot_tps else 0.0
    app_runs = [variants["app"], app_again]
    deduction_cpu = _mean(app_runs, "machine_cpu_ms_per_tx")
    cpu_ratio = _mean(hot, "machine_cpu_ms_per_tx") / deduction_cpu if deduction_cpu else 0.0
    figures = [
        figure("deduction_rush.hot_row_pgbench_tps", hot_tps, "tps",
               f"bare conditional UPDATE of one row, {clients} clients (mean of the run's first and last)", None),
        figure("deduction_rush.deduction_sql_vs_hot_row", sql_ratio, "ratio", "≥ 0.5 (deduction SQL ÷ bare hot row)",
               sql_ratio >= 0.5),
        *[figure(f"deduction_rush.variant_{name}_tps", run["tps"], "tps", "information: what each suspect costs",
                 None) for name, run in variants.items()],
        figure("deduction_rush.hot_row_cpu_ms_per_tx", _mean(hot, "machine_cpu_ms_per_tx"), "ms",
               f"information: machine CPU per bare UPDATE, CPUs {_mean(hot, 'machine_busy_pct'):.0f} % busy", None),
        figure("deduction_rush.deduction_sql_cpu_ms_per_tx", _mean(app_runs, "machine_cpu_ms_per_tx"), "ms",
               f"information: machine CPU per deduction transaction, CPUs "
               f"{_mean(app_runs, 'machine_busy_pct'):.0f} % busy", None),
        figure("deduction_rush.deduction_sql_vs_hot_row_by_cpu", cpu_ratio, "ratio",
               "information: the ratio CPU alone allows (hot row's CPU per tx ÷ the deduction's)", None),
        figure("deduction_rush.deductions_per_s", per_s, "deductions/s", "≥ 0.5 × baseline tps", None),
        figure("deduction_rush.baseline_pgbench_tps", baseline["tps"], "tps", f"pgbench, {baseline['clients']} clients",
               None),
        figure("deduction_rush.deductions_vs_baseline", ratio, "ratio", "≥ 0.5", ratio >= 0.5),
        figure("deduction_rush.requests_per_s", posts / wrk["wall_s"], "req/s", "", None),
        figure("deduction_rush.latency_p99", wrk["p99_us"] / 1000, "ms", "", None),
        figure("deduction_rush.accepted", ok, "deductions", f"= {COVERED} (what the fund covers)", ok == COVERED),
        figure("deduction_rush.fund_available_after", float(final["fund_available"]), "yuan", "≥ 0 (= 0)",
               float(final["fund_available"]) == 0),
        figure("deduction_rush.vouchers_voided", int(final["voided"]), "vouchers", f"= {ORDERS - COVERED}, once each",
               int(final["voided"]) == ORDERS - COVERED == int(final["void_entries"])
               and final["voided_twice"] == "0" and final["live"] == "0"),
        figure("deduction_rush.http_5xx", server_5xx, "responses", "= 0", server_5xx == 0),
        figure("deduction_rush.non_409_errors", non_409, "responses", "= 0 (every refusal is a 409)", non_409 == 0),
        figure("deduction_rush.requests_never_served", unanswered, "requests", "0 (wrk sent, server never received)",
               None),
    ]
    write_fragment("deduction_rush", figures, {"hot_row": hot, "variants": variants, "orders": ORDERS, "covered": COVERED, "connections": CONNECTIONS,
                                               "gunicorn_workers": workers_default(), "gunicorn_class": worker_class(), "baseline": baseline, **run})
    if os.environ.get("BENCH_KEEP_DB") != "1":
        drop_db(HTTP_DB)
        drop_db(SEED_DB)


if __name__ == "__main__":
    main()
