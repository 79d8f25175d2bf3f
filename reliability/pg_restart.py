"""Check 11, PostgreSQL half: a private PostgreSQL cluster (initdb into a temporary directory, its own port —
the shared server is never restarted) is crashed (`pg_ctl stop -m immediate`, no shutdown checkpoint, as a
power cut or an OOM kill leaves it) and started again while client threads claim vouchers and deduct through
the real services, each with its own connection. Page and API requests are sent while it is down.

`PrivateCluster` is used by reliability/check_pg_restart.py; `python -m reliability.pg_restart` (run with
DATABASE_URL pointing at the private cluster, migrated) is the load: it builds the world, runs the clients,
crashes and restarts the cluster (through the `--pg-ctl` command line it is given) in the middle, then checks
I1–I7, verify_ledger, verify_audit and that every voucher and deduction a client saw succeed exists. It prints
one JSON line with the figures."""
from __future__ import annotations

import argparse
import glob
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return found[-1] if found else shutil.which(name)


class PrivateCluster:
    """A throwaway PostgreSQL cluster on `port` under a temporary directory, run by the `postgres` OS user
    when this process is root (initdb refuses root)."""

    def __init__(self, port: int):
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="hq-pg-restart-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "postgres", "postgres")

    @property
    def url_base(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def pg_ctl_command(self, action: str, *extra: str) -> list[str]:
        return [*self.as_user, pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=60",
                *extra, action]

    def init(self) -> None:
        subprocess.run([*self.as_user, pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                        "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync"], check=True, capture_output=True)
        self.start()

    def start(self) -> None:
        subprocess.run(self.pg_ctl_command("start"), check=True, capture_output=True)

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(self.pg_ctl_command("stop", "-m", mode), capture_output=True)

    def createdb(self, name: str) -> str:
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-qc",
                        f"CREATE DATABASE {name}"], check=True, capture_output=True)
        return f"{self.url_base}/{name}"

    def cleanup(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


# ------------------------------------------------------------------------------------------ the load (child)
def _db_error(exc: BaseException) -> bool:
    from django.db import DatabaseError, InterfaceError, OperationalError

    return isinstance(exc, (OperationalError, InterfaceError)) or (
        isinstance(exc, DatabaseError) and "connection" in str(exc).lower())


class Load:
    def __init__(self, buyers: int, threads: int, pg_ctl: list[str], outage: float):
        self.buyers, self.threads, self.pg_ctl, self.outage = buyers, threads, pg_ctl, outage
        self.lock = threading.Lock()
        self.outcomes: Counter = Counter()
        self.vouchers: set[int] = set()  # claims a client saw succeed
        self.deductions: set[int] = set()  # deductions a client saw succeed
        self.done = 0
        self.down = threading.Event()
        self.probes: list[tuple[str, int, str]] = []

    def world(self):
        from hangqifu.core import clock
        from reliability.scenarios import ensure_policy_years
        from vouchers.tests import money_factories as mf

        clock.set_test_clock(mf.at("2026-06-01 09:00"))
        ensure_policy_years()
        self.batch = mf.open_batch(types=(("digital_empowerment", "1000.00", self.buyers),))
        self.vtype = self.batch.voucher_types.get()
        provider = mf.provider_user()
        product = mf.listed_product(provider, price="2000.00")
        self.work = []
        for _ in range(self.buyers):
            buyer = mf.qualified_buyer(quota="5000.00")
            order = mf.order_in_state(buyer, provider, "rated", amount="2000.00", product=product)
            self.work.append((buyer, order.pk))
        from django.test import Client

        from reliability.scenarios import api_token

        self.prober = self.work[0][0]
        self.token = api_token(self.prober)
        self.page = Client(raise_request_exception=False)  # a signed-in browser session (stored in the database)
        self.page.force_login(self.prober)

    def _attempt(self, kind: str, call):
        """Run one service call as a client does: up to 40 tries (12 s) while the database is away."""
        from django.db import connection

        from hangqifu.core.errors import DomainError

        for _ in range(40):
            try:
                result = call()
                with self.lock:
                    self.outcomes[f"{kind}:ok"] += 1
                return result
            except DomainError as exc:
                with self.lock:
                    self.outcomes[f"{kind}:{exc.code}"] += 1
                return None
            except Exception as exc:  # noqa: BLE001 - a database error is the point of the check
                connection.close()  # as Django does between requests: the next try reconnects
                with self.lock:
                    self.outcomes[f"{kind}:{'db_error' if _db_error(exc) else type(exc).__name__}"] += 1
                if not _db_error(exc):
                    return None
                time.sleep(0.3)
        return None

    def client(self, queue: list):
        from django.db import connection

        from vouchers.models import Voucher
        from vouchers.services.voucher_claims import voucher_claim
        from vouchers.services.deductions import deduction_apply

        try:
            while True:
                with self.lock:
                    if not queue:
                        return
                    buyer, order_id = queue.pop()
                voucher = self._attempt("claim", lambda: voucher_claim(
                    actor=buyer, batch_id=self.batch.pk, voucher_type_id=self.vtype.pk))
                if voucher is None:  # unknown outcome of a try during the outage: the client looks it up
                    voucher = self._attempt("lookup", lambda: Voucher.objects.filter(
                        organisation_id=buyer.organisation_id, state="live").first())
                else:
                    with self.lock:
                        self.vouchers.add(voucher.pk)
                if voucher is not None:
                    deduction = self._attempt("deduct", lambda: deduction_apply(
                        actor=buyer, order_id=order_id, voucher_id=voucher.pk, amount="1000.00",
                        declares_no_other_subsidy=True, schedule_voiding=False))
                    if deduction is not None:
                        with self.lock:
                            self.deductions.add(deduction.pk)
                with self.lock:
                    self.done += 1
        finally:
            connection.close()

    def probe(self):
        """Requests while the database is down: pages and API calls (test client, no exception raised)."""
        from django.test import Client

        api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {self.token}")
        for kind, client, url in (("page", self.page, "/vouchers/qualification/"), ("page", self.page, f"/vouchers/orders/{self.work[0][1]}/"),
                                  ("api", api, "/api/v1/vouchers/"), ("api", api, f"/api/v1/orders/{self.work[0][1]}/")):
            response = client.get(url)
            self.probes.append((f"{kind} {url}", response.status_code,
                                response.get("Content-Type", "").split(";")[0]))

    def run(self) -> dict:
        from django.core.management import call_command
        from django.db import connection

        queue = list(self.work)
        workers = [threading.Thread(target=self.client, args=(queue,)) for _ in range(self.threads)]
        started = time.monotonic()
        for worker in workers:
            worker.start()
        while self.done < self.buyers // 3 and any(w.is_alive() for w in workers):
            time.sleep(0.05)
        crashed_after = self.done
        # the crash: no shutdown checkpoint, every backend killed; the clients are mid-transaction
        subprocess.run([*self.pg_ctl, "stop", "-m", "immediate"], check=True, capture_output=True)
        down_at = time.monotonic()
        connection.close()
        self.probe()
        time.sleep(max(0.0, self.outage - (time.monotonic() - down_at)))
        subprocess.run([*self.pg_ctl, "start"], check=True, capture_output=True)  # crash recovery (WAL replay)
        outage = time.monotonic() - down_at
        for worker in workers:
            worker.join()
        elapsed = time.monotonic() - started
        connection.close()
        return self.verify(crashed_after, outage, elapsed, call_command)

    def verify(self, crashed_after, outage, elapsed, call_command) -> dict:
        from io import StringIO

        from django.core.management.base import CommandError

        from reliability.invariants import check_invariants
        from vouchers.models import Deduction, Voucher

        violations = [str(v) for v in check_invariants()]
        checks = {}
        for command in ("verify_ledger", "verify_audit"):
            out, err = StringIO(), StringIO()
            try:
                call_command(command, stdout=out, stderr=err)
                checks[command] = True
            except CommandError as exc:
                checks[command] = False
                violations.append(f"{command}: {exc} {err.getvalue()[:500]}")
        vouchers_kept = Voucher.objects.filter(pk__in=self.vouchers).count()
        deductions_kept = Deduction.objects.filter(pk__in=self.deductions).count()
        return {
            "buyers": self.buyers, "threads": self.threads, "crashed_after": crashed_after,
            "outage_seconds": round(outage, 2), "elapsed_seconds": round(elapsed, 1),
            "outcomes": dict(self.outcomes), "probes": self.probes,
            "vouchers_seen": len(self.vouchers), "vouchers_kept": vouchers_kept,
            "deductions_seen": len(self.deductions), "deductions_kept": deductions_kept,
            "vouchers_in_db": Voucher.objects.count(), "deductions_in_db": Deduction.objects.count(),
            "violations": violations[:20], "verify_ledger": checks["verify_ledger"],
            "verify_audit": checks["verify_audit"],
        }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--buyers", type=int, default=80)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--outage", type=float, default=2.0, help="seconds the cluster stays down")
    parser.add_argument("--pg-ctl", required=True, help="the pg_ctl command line, without the action")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hangqifu.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    load = Load(args.buyers, args.threads, shlex.split(args.pg_ctl), args.outage)
    load.world()
    print(json.dumps(load.run(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
