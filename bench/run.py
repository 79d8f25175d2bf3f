"""`make bench`: migrate a template database once, run every benchmark in its own process (each on throwaway
databases cloned from it), then write bench/results.json (for tools) and bench/RESULTS.md (for people).

BENCH_SCALE=small runs the same code on small data (development); BENCH_ONLY=claim_rush,expiry runs a subset."""
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime

from .lib import FULL, OUT, PYTHON, ROOT, TEMPLATE_DB, django_env, drop_db, log, psql
from .report import committed_fragments

BENCHES = ["claim_rush", "deduction_rush", "settlement", "expiry", "pages", "scale_out"]


def _migrations_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("**/migrations/*.py")):
        if ".venv" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()[:32]


def migrate_template() -> str:
    """The migrated template every benchmark clones; kept between runs while no migration file changes."""
    digest = _migrations_digest()
    kept = psql(f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{TEMPLATE_DB}';")
    if kept == digest:
        return "reused"
    drop_db(TEMPLATE_DB)
    psql(f"CREATE DATABASE {TEMPLATE_DB};")
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=django_env(TEMPLATE_DB),
                   check=True)
    psql("VACUUM ANALYZE;", TEMPLATE_DB)
    psql(f"COMMENT ON DATABASE {TEMPLATE_DB} IS '{digest}';")
    return "migrated"


def machine() -> dict:
    def sh(command):
        return subprocess.run(command, shell=True, capture_output=True, text=True).stdout.strip()

    return {
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": sh("nproc"),
        "cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip(),
        "memory": sh("free -h | awk '/Mem:/ {print $2}'"),
        "postgresql": psql("SELECT version();").split(" on ")[0],
        "postgresql_settings": psql("SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ') FROM pg_settings "
                                    "WHERE name IN ('max_connections', 'shared_buffers', 'synchronous_commit', 'fsync', "
                                    "'wal_level', 'max_wal_size', 'work_mem');"),
        "redis": sh("redis-server --version | awk '{print $3}'"),
        "python": platform.python_version(),
        "wrk": sh("wrk -v 2>&1 | head -1"),
        "haproxy": sh("haproxy -v 2>&1 | head -1"),
        "load_before": sh("cat /proc/loadavg"),
    }


def main() -> int:
    only = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name] or BENCHES
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.time()
    info = machine()
    log(f"bench ({'full' if FULL else 'small'} scale) on {info['nproc']} cores, {info['postgresql']}")
    how = migrate_template()
    log(f"template database {how} in {time.time() - started:.0f}s")
    timings, failures = {}, {}
    for name in only:
        (OUT / f"{name}.json").unlink(missing_ok=True)
        t0 = time.time()
        log(f"--- {name}")
        result = subprocess.run([PYTHON, "-m", f"bench.{name}"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        timings[name] = round(time.time() - t0, 1)
        if result.returncode:
            failures[name] = f"exit code {result.returncode} (see the output above)"
        log(f"--- {name} took {timings[name]}s")
    info["total_seconds"] = round(time.time() - started, 1)
    info["bench_seconds"] = timings
    previous = OUT / "machine.json"
    missing = [name for name in BENCHES if name not in only and not (OUT / f"{name}.json").exists()]
    kept = []
    if only != BENCHES and FULL and missing and not previous.exists():
        # a partial re-run on a machine without the earlier run: the others' figures and sections as committed
        fragments = committed_fragments(missing)
        kept = list(fragments)
        for name, fragment in fragments.items():
            (OUT / f"{name}.json").write_text(json.dumps(fragment, ensure_ascii=False, indent=2))
    info = run_info(info, only=only, earlier=json.loads(previous.read_text()) if previous.exists() else None,
                    kept_as_committed=kept)
    write_results(BENCHES, info, failures)
    log(f"bench done in {info['total_seconds']}s; see bench/RESULTS.md")
    return 1 if failures else 0


def run_info(info: dict, *, only: list, earlier: dict | None, kept_as_committed: list) -> dict:
    """What RESULTS.md says of the runs behind its figures (date, load, per-benchmark time), after `only` ran now
    (`info`); `earlier` is what the last run in this checkout said, `kept_as_committed` the benchmarks whose figures
    were just taken from the commit. A partial run that replaces every figure of the earlier one speaks for itself;
    one beside an earlier run whose figures stay keeps that run's date and load and adds its own time. Either way
    the note lists each partial run and what is still as committed."""
    if only == BENCHES:
        return info
    this = {"benches": only, "date_utc": info["date_utc"], "load_before": info["load_before"]}
    earlier_kept = [name for name in (earlier or {}).get("kept_as_committed", []) if name not in only]
    if earlier is None or set(earlier["bench_seconds"]) <= set(only):
        merged = {**info, "reruns": [this], "kept_as_committed": kept_as_committed or earlier_kept}
    else:
        merged = {**earlier, "bench_seconds": {**earlier["bench_seconds"], **info["bench_seconds"]},
                  "total_seconds": round(earlier["total_seconds"] + info["total_seconds"], 1),
                  "reruns": [*earlier.get("reruns", []), this], "kept_as_committed": earlier_kept}
    runs = [f"{', '.join(run['benches'])} re-run at {run['date_utc']} (load before: {run['load_before']})"
            for run in merged["reruns"]]
    if merged["kept_as_committed"]:
        runs.append(f"{', '.join(merged['kept_as_committed'])} as committed before, from their own run")
    merged["rerun"] = "; ".join(runs)
    return merged


def load_fragments(names):
    fragments = {}
    for name in names:
        path = OUT / f"{name}.json"
        if path.exists():
            fragments[name] = json.loads(path.read_text())
    return fragments


def write_results(names, info, failures) -> None:
    from .report import render

    fragments = load_fragments(names)
    figures = [figure for fragment in fragments.values() for figure in fragment["figures"]]
    for name, reason in failures.items():
        figures.append({"name": f"{name}.completed", "value": False, "unit": "bool", "target": "true", "pass": False})
    target = ROOT / "bench" if FULL else OUT
    (target / "results.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    (OUT / "machine.json").write_text(json.dumps(info, ensure_ascii=False, indent=2))
    (target / "RESULTS.md").write_text(render(info, fragments, failures))


if __name__ == "__main__":
    sys.exit(main())
