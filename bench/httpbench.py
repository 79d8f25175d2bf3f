"""Running the portal the way production does for the HTTP benchmarks: gunicorn (sync workers) with
hangqifu.settings.production and throwaway secrets, PostgreSQL with persistent connections, Redis cache;
wrk as the load generator in its own process; CPU accounting of the app and database processes;
py-spy sampling one worker for the profile."""
import collections
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import psutil

from .lib import BROKER_URL, OUT, REDIS_URL, ROOT, db_url, log, psql

PORT = int(os.environ.get("BENCH_PORT", "8765"))


def workers_default() -> int:
    """cores + 1 sync workers, not gunicorn's usual 2 × cores + 1: here PostgreSQL and wrk share the same cores,
    and the extra workers only oversubscribe them. Measured on 2 cores, claim rush: 5 workers 83 claims/s,
    3 workers 100, 2 workers 94 (and the DRF ceiling 487 / 523 / 500 requests/s)."""
    return int(os.environ.get("BENCH_GUNICORN_WORKERS", (os.cpu_count() or 1) + 1))


def worker_class() -> str:
    """sync (one request per process at a time, `Connection: close` after each) or gthread (BENCH_GUNICORN_THREADS
    threads per process, keep-alive: wrk's connections are reused instead of reconnected for every request)."""
    return os.environ.get("BENCH_GUNICORN_CLASS", "sync")


def threads_default() -> int:
    return int(os.environ.get("BENCH_GUNICORN_THREADS", 4))


def _database_oid(db: str) -> str:
    return psql(f"SELECT oid FROM pg_database WHERE datname = '{db}'")


def production_env(db: str, settings: str = "hangqifu.settings.production") -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        DJANGO_SECRET_KEY=os.environ["DJANGO_SECRET_KEY"],  # the seed's (bench/lib.py)
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=db_url(db, conn_max_age=600),
        REDIS_URL=REDIS_URL, CELERY_BROKER_URL=BROKER_URL,
        # per copy of the database (its oid): a flag or snapshot cached for an earlier copy of the same name
        # must not answer for this one (claim_cache's sold-out flags)
        HANGQIFU_CACHE_PREFIX=f"bench-{db}-{_database_oid(db)}",
        CELERY_TASK_DEFAULT_QUEUE=f"bench-{db}",
        LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT),
        # each enterprise sends one request: the per-user throttle stays as configured
    )
    env.pop("HANGQIFU_TEST_CLOCK", None)
    return env


class Gunicorn:
    def __init__(self, db: str, workers: int | None = None, app: str = "hangqifu.wsgi:application", *,
                 port: int = PORT, settings: str = "hangqifu.settings.production", env: dict | None = None):
        self.db, self.workers, self.app, self.env = db, workers or workers_default(), app, env or {}
        self.port, self.settings, self.proc = port, settings, None
        self.name = db if port == PORT else f"{db}-{port}"

    def __enter__(self):
        OUT.mkdir(parents=True, exist_ok=True)
        self.log = open(OUT / f"gunicorn-{self.name}.log", "w")
        self.access_log = OUT / f"access-{self.name}.log"
        self.access_log.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), self.app, "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--backlog", "2048", "--timeout", "120", "--log-level", "warning",
             *(["--worker-class", "gthread", "--threads", str(threads_default()), "--keep-alive", "30"]
               if worker_class() == "gthread" else []),
             "--access-logfile", str(self.access_log), "--access-logformat", "%(s)s %(m)s %(U)s %(M)s"],
            cwd=ROOT, env=production_env(self.db, self.settings) | self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz/", timeout=2).read()
                break
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"gunicorn exited, see {self.log.name}")
                time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not start")
        # touch every worker once so no request pays for a cold start
        for _ in range(self.workers * 3):
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz/", timeout=5).read()
        log(f"gunicorn up: {self.workers} {worker_class()} workers on :{self.port} ({self.db}, {self.app})")
        return self

    def post_statuses(self) -> collections.Counter:
        """Server-side truth: the status of every POST gunicorn answered (its access log)."""
        counts = collections.Counter()
        if self.access_log.exists():
            for line in self.access_log.read_text().splitlines():
                parts = line.split()
                if len(parts) >= 2 and parts[1] == "POST":
                    counts[parts[0]] += 1
        return counts

    def kill(self) -> None:
        """The host is lost: the master and every worker killed at once (SIGKILL), nothing finishes cleanly."""
        procs = [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children()]
        for proc in procs:
            try:
                proc.kill()
            except psutil.Error:
                pass
        self.proc.wait()

    def worker_pids(self) -> list[int]:
        return [child.pid for child in psutil.Process(self.proc.pid).children()]

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


class CpuMeter:
    """CPU seconds used by the app workers and by PostgreSQL between start() and stop()."""

    def __init__(self, app_pids):
        self.app_pids = app_pids

    @staticmethod
    def _cpu(names=None, pids=None) -> dict:
        """pid → CPU seconds of the matching processes (PostgreSQL backends by name, app workers by pid)."""
        found = {}
        procs = (psutil.Process(pid) for pid in pids) if pids is not None else psutil.process_iter(["name"])
        for proc in procs:
            try:
                if names and proc.name() not in names:
                    continue
                times = proc.cpu_times()
                found[proc.pid] = times.user + times.system
            except psutil.Error:
                pass
        return found

    @staticmethod
    def _delta(before: dict, after: dict) -> float:
        # processes that exited in between are lost; persistent connections keep that small
        return sum(value - before.get(pid, 0.0) for pid, value in after.items())

    def _postgres(self):
        return self._cpu(names=("postgres", "postmaster"))

    def _app(self):
        return self._cpu(pids=[pid for pid in self.app_pids if psutil.pid_exists(pid)])

    def start(self):
        self.t0, self.app0, self.pg0 = time.time(), self._app(), self._postgres()
        self.sys0 = psutil.cpu_times()
        return self

    def stop(self) -> dict:
        wall = time.time() - self.t0
        sys1 = psutil.cpu_times()
        busy = sum(getattr(sys1, f) - getattr(self.sys0, f) for f in ("user", "system", "nice", "irq", "softirq"))
        idle = (sys1.idle - self.sys0.idle) + (sys1.iowait - self.sys0.iowait)
        return {"wall_s": round(wall, 2), "app_cpu_s": round(self._delta(self.app0, self._app()), 2),
                "postgres_cpu_s": round(self._delta(self.pg0, self._postgres()), 2),
                "machine_busy_pct": round(100 * busy / max(busy + idle, 1e-9), 1),
                "machine_busy_cpu_s": round(busy, 2),
                "iowait_s": round(sys1.iowait - self.sys0.iowait, 2)}


class PostgresCpuSampler:
    """CPU seconds used by PostgreSQL processes while it runs, sampled every `interval` so that backends which
    exit before the end (pgbench's connections) still count, up to their last sample (a slight undercount)."""

    def __init__(self, interval: float = 0.2):
        self.interval, self.last, self.first = interval, {}, {}
        self._stop = threading.Event()

    def _sample(self):
        for pid, cpu in CpuMeter._cpu(names=("postgres", "postmaster")).items():
            self.first.setdefault(pid, cpu)
            self.last[pid] = cpu

    def _loop(self):
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self):
        self._sample()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()
        self._sample()
        self.cpu_s = round(sum(self.last[pid] - self.first[pid] for pid in self.last), 2)


def _wrk_summary(output: str) -> dict:
    """The JSON line the Lua scripts' done() prints."""
    match = re.search(r"WRKJSON (\{.*\})", output)
    if not match:
        raise RuntimeError(f"wrk gave no summary:\n{output}")
    return json.loads(match.group(1))


def run_wrk_for(*, path: str, work_file: Path, connections: int, seconds: int, threads: int = 2,
                body: str | None = None) -> dict:
    """A fixed-duration wrk run of POSTs to one path (bench/wrk/ceiling.lua); requests/s and latency."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "60s",
               "-s", str(ROOT / "bench" / "wrk" / "ceiling.lua"), f"http://127.0.0.1:{PORT}", "--",
               str(threads), path, str(work_file), *([body] if body else [])]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120).stdout
    result = _wrk_summary(output)
    result["requests_per_s"] = round(result["requests"] / (result["duration_us"] / 1e6), 1)
    return result


def run_wrk(*, work_file: Path, connections: int, threads: int = 2,
            max_seconds: int = 600, on_running=None) -> dict:
    marker = OUT / f"wrk-done-{os.getpid()}"
    for stale in OUT.glob(marker.name + "-*"):
        stale.unlink()
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max_seconds}s", "--timeout", "60s",
               "-s", str(ROOT / "bench" / "wrk" / "rush.lua"), f"http://127.0.0.1:{PORT}", "--",
               str(threads), str(work_file), str(marker), "1000" if worker_class() == "gthread" else "0"]
    started = time.time()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ran_hook = False
    last_answered, last_change = -1, time.time()
    complete = False
    while proc.poll() is None:
        states = []
        for path in OUT.glob(marker.name + "-*"):
            try:
                states.append([int(x) for x in path.read_text().split()])
            except (OSError, ValueError):
                pass
        answered = sum(s[0] for s in states if len(s) == 3)
        if answered != last_answered:
            last_answered, last_change = answered, time.time()
        complete = len(states) >= threads and all(len(s) == 3 and s[0] >= s[1] for s in states)
        stalled = (len(states) >= threads and all(len(s) == 3 and s[2] for s in states)
                   and time.time() - last_change > 10)
        if complete or stalled:
            proc.send_signal(signal.SIGINT)
            break
        if on_running and not ran_hook and time.time() - started > 2:
            on_running()
            ran_hook = True
        time.sleep(0.05)
    stalled_at = last_change if not complete else None
    output, _ = proc.communicate(timeout=120)
    finished = time.time()
    result = _wrk_summary(output)
    # if one answer never came, the run ended at the last answer (not 10 s later when the harness gave up)
    result["wall_s"] = round((stalled_at or finished) - started, 3)
    result["stalled"] = stalled_at is not None
    result["started_at"] = started
    for stale in OUT.glob(marker.name + "-*"):
        stale.unlink()
    return result


def pyspy_record(pid: int, seconds: int, name: str) -> Path | None:
    """Sample one worker (non-blocking) and keep the collapsed stacks; returns the file."""
    target = OUT / f"profile-{name}.txt"
    py_spy = ROOT / ".venv" / "bin" / "py-spy"
    if not py_spy.exists():
        return None
    return_code = subprocess.Popen(
        [str(py_spy), "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "200", "--nonblocking",
         "--format", "raw", "--output", str(target)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return_code.target = target
    return return_code


def summarise_profile(path: Path, top: int = 12) -> dict:
    """Inclusive share of samples per project/library frame family from py-spy's collapsed stacks."""
    if not path or not path.exists():
        return {}
    total = 0
    inclusive = collections.Counter()
    leaf = collections.Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        count = int(count)
        total += count
        frames = stack.split(";")
        seen = set()
        for frame in frames:
            label = _label(frame)
            if label not in seen:
                inclusive[label] += count
                seen.add(label)
        leaf[_label(frames[-1])] += count
    interesting = [(label, n) for label, n in inclusive.most_common(400)
                   if any(key in label for key in ("hangqifu", "vouchers/", "audit/", "providers/", "redemption/",
                                                   "psycopg2", "execute", "rest_framework/views", "json", "hashlib",
                                                   "sql/compiler", "wait", "recv", "poll"))]
    return {"samples": total,
            "inclusive_pct": [(label, round(100 * n / total, 1)) for label, n in interesting[:top * 2]],
            "self_pct": [(label, round(100 * n / total, 1)) for label, n in leaf.most_common(top)]}


def _label(frame: str) -> str:
    name = re.sub(r" \(.*?:\d+\)$", "", frame).strip()
    file = re.search(r"\((.*?):\d+\)", frame)
    return f"{name} ({_short(file.group(1)) if file else '?'})"


def _short(path: str) -> str:
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path
