"""Shared helpers of the benchmarks: throwaway databases cloned from a migrated template, SQL through psql,
figures written as JSON fragments that bench/run.py gathers into results.json and RESULTS.md."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", "5432", "postgres"
# Several checkouts may bench on one server: BENCH_DB_PREFIX names their databases apart, BENCH_REDIS_URL and
# BENCH_BROKER_URL their Redis databases.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "hq_bench")
TEMPLATE_DB = f"{DB_PREFIX}_tpl"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/0")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
FULL = os.environ.get("BENCH_SCALE", "full") == "full"
# One throwaway secret key for the whole bench: the seeded API tokens are valid only while the users' password
# stamp (an HMAC with the secret key, bench/seed.py) matches what the serving process computes, so gunicorn
# (production settings) and the seed must share it.
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-throwaway-secret-key-never-used-outside-make-bench-0123456789")


def scale(full: int, small: int) -> int:
    return full if FULL else small


def db_url(name: str, conn_max_age: int = 0) -> str:
    url = f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    return f"{url}?conn_max_age={conn_max_age}" if conn_max_age else url


def psql(sql: str, db: str = "postgres", *, args=(), capture: bool = False) -> str:
    command = ["psql", "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, "-d", db, "-v", "ON_ERROR_STOP=1", "-q",
               "-At", *args]
    result = subprocess.run(command, input=sql, text=True, capture_output=True)
    if result.returncode:
        raise RuntimeError(f"psql failed on {db}: {result.stderr.strip()}\n{sql[:2000]}")
    return result.stdout.strip()


def scalar(sql: str, db: str):
    return psql(sql, db)


def drop_db(name: str) -> None:
    psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid();"
         f"\nDROP DATABASE IF EXISTS {name};")


def clone_db(name: str, template: str = TEMPLATE_DB) -> None:
    """A fresh database: a file-level copy of the migrated (or seeded) template, seconds instead of a migrate."""
    drop_db(name)
    psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{template}';"
         f"\nCREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY;")


def seed_database(name: str, sql: str, what: str) -> None:
    """A fresh clone of the template filled by the generator's SQL."""
    clone_db(name)
    started = time.time()
    psql(sql, name)
    log(f"seeded {what} in {time.time() - started:.1f}s")


def django_env(db: str, settings: str = "bench.settings", **extra) -> dict:
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE=settings, DATABASE_URL=db_url(db), REDIS_URL=REDIS_URL,
               PYTHONPATH=str(ROOT), **{k: str(v) for k, v in extra.items()})
    env.pop("CELERY_BROKER_URL", None)
    return env


def setup_django(db: str, conn_max_age: int = 0) -> None:
    """Configure this process for `db` (bench settings: DEBUG off, tasks in-process) and start Django."""
    os.environ.update(DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=db_url(db, conn_max_age),
                      REDIS_URL=REDIS_URL)
    os.environ.pop("CELERY_BROKER_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def log(*parts) -> None:
    print(time.strftime("%H:%M:%S", time.gmtime()), *parts, flush=True)


def figure(name: str, value, unit: str, target: str = "", passed=None) -> dict:
    if isinstance(value, float):
        value = round(value, 3)
    return {"name": name, "value": value, "unit": unit, "target": target, "pass": passed}


def write_fragment(bench: str, figures: list[dict], details: dict | None = None, notes: str = "") -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{bench}.json").write_text(json.dumps(
        {"bench": bench, "scale": "full" if FULL else "small", "figures": figures, "details": details or {},
         "notes": notes}, ensure_ascii=False, indent=2, default=str))


def percentile(values, p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index]
