"""Check 11 (long), PostgreSQL restart: a private cluster (initdb on its own port, started and removed here — the
shared server is never restarted) crashes with `pg_ctl stop -m immediate` and starts again (crash recovery)
while client threads claim vouchers and deduct through the real services (reliability/pg_restart.py). A
request during the outage may fail, but:

- no half-done money movement: after recovery I1–I7 hold, verify_ledger and verify_audit pass;
- every voucher and deduction a client saw succeed exists;
- a page or API request while the database is down answers 503 (Chinese message; the API error format under
  /api/), never a 500 traceback."""
import json
import os
import shlex
import subprocess
import sys

import pytest

from reliability.figures import record, scale
from reliability.pg_restart import ROOT, PrivateCluster, pg_bin

PORT = scale("pg_restart_port", 5439)
BUYERS = scale("pg_restart_buyers", 80)
ROUNDS = scale("pg_restart_rounds", 1)

pytestmark = pytest.mark.skipif(pg_bin("initdb") is None, reason="initdb not installed")


@pytest.fixture(scope="module")
def cluster():
    cluster = PrivateCluster(PORT)
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.cleanup()


def _migrated(cluster, name: str) -> str:
    url = cluster.createdb(name)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "hangqifu.settings.test"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0", "--no-input"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=600)
    return url


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_postgresql_crash_during_load_leaves_no_half_done_money_movement(cluster, round_):
    url = _migrated(cluster, f"hq_restart_{round_}")
    base = cluster.pg_ctl_command("")[:-1]  # pg_ctl with its options, without an action
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "hangqifu.settings.test",
           "HANGQIFU_TEST_CACHE_PREFIX": f"hq-restart-{round_}-{os.getpid()}-"}
    env.pop("RELIABILITY_RESULTS", None)  # the figures are recorded here, once
    done = subprocess.run([sys.executable, "-m", "reliability.pg_restart", "--buyers", str(BUYERS),
                           "--outage", str(2.0 + round_), "--pg-ctl", shlex.join(base)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    probes = result["probes"]
    clean_503 = all(status == 503 and (not what.startswith("api") or kind == "application/json")
                    for what, status, kind in probes)
    db_errors = sum(n for k, n in result["outcomes"].items() if k.endswith(":db_error"))
    checks = {
        "invariants I1–I7": not [v for v in result["violations"] if not v.startswith("verify_")],
        "verify_ledger": result["verify_ledger"], "verify_audit": result["verify_audit"],
        "succeeded vouchers kept": result["vouchers_kept"] == result["vouchers_seen"],
        "succeeded deductions kept": result["deductions_kept"] == result["deductions_seen"],
        "503 while down": clean_503,
    }
    record("pg_restart", tried=len(checks), held=sum(checks.values()),
           detail=f"round {round_}: {result['buyers']} buyers × (claim + deduct) on {result['threads']} threads, "
                  f"crash after {result['crashed_after']} done, down {result['outage_seconds']} s; "
                  f"{db_errors} client calls saw a database error; clients saw {result['vouchers_seen']} claims and "
                  f"{result['deductions_seen']} deductions succeed, all kept: "
                  f"{result['vouchers_kept']}/{result['deductions_kept']} (in the database: "
                  f"{result['vouchers_in_db']} vouchers, {result['deductions_in_db']} deductions); "
                  f"client outcomes {dict(sorted(result['outcomes'].items()))}; "
                  f"while down: {', '.join(f'{w} → {s}' for w, s, _ in probes)}; "
                  f"failed: {[name for name, ok in checks.items() if not ok] or 'none'}")
    assert result["violations"] == [], result["violations"]
    assert db_errors > 0, "the crash hit no client call (raise the buyers)"
    assert all(checks.values()), (checks, result)
