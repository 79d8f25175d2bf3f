"""The claim rush measured the way it happens: an open loop of firms arriving at 1×, 2× and 4× the claim
capacity measured in the same run (the closed-loop rush's claims/s), with admission control on. At 2×, the
target run: 20,000 firms for 10,000 slots; 1× and 4× (information) on a fifth of that, to keep `make bench` in
its budget. Each run on a fresh copy of the rush's seed. The node runs the claims in flight (one per core: what
the database can spend on claims at once) plus door workers: sync workers never in a claim, free to answer the
excess at once with its place in line. With only one such worker (the closed-loop rush's cores + 1) the door
itself queued behind the claims in the socket backlog: 429s waited seconds and the 2× run lost connections."""
import os
import resource

from . import seed
from .httpbench import PORT, Gunicorn
from .lib import clone_db, figure, log, psql, scale
from .open_loop import open_loop_rush

TARGET_FIRMS, TARGET_SLOTS = scale(20_000, 500), scale(10_000, 200)
SMALL_FIRMS, SMALL_SLOTS = scale(4_000, 200), scale(2_000, 100)
MULTIPLES = {1: (SMALL_FIRMS, SMALL_SLOTS), 2: (TARGET_FIRMS, TARGET_SLOTS), 4: (SMALL_FIRMS, SMALL_SLOTS)}


def in_flight_limit() -> int:
    return int(os.environ.get("BENCH_CLAIM_IN_FLIGHT", os.cpu_count() or 1))


def door_workers() -> int:
    return int(os.environ.get("BENCH_CLAIM_DOOR_WORKERS", 4))


def _works(firms: int) -> list[tuple[str, str, str]]:
    path, body = f"/api/v1/batches/{seed.BASE}/claim/", '{"voucher_type": %d}' % seed.BASE
    return [(seed.token(i), path, body) for i in range(1, firms + 1)]


def run_one(seed_db: str, db: str, multiple: int, capacity: float) -> dict:
    firms, slots = MULTIPLES[multiple]
    clone_db(db, seed_db)
    psql(f"UPDATE vouchers_vouchertype SET count = {slots}, remaining = {slots} WHERE id = {seed.BASE};", db)
    rate = multiple * capacity
    os.environ["HANGQIFU_CLAIM_IN_FLIGHT"] = str(in_flight_limit())
    try:
        with Gunicorn(db, workers=in_flight_limit() + door_workers()) as server:
            result = open_loop_rush(port=PORT, works=_works(firms), rate=rate, max_seconds=firms / rate + 300)
            served = server.post_statuses()
    finally:
        os.environ.pop("HANGQIFU_CLAIM_IN_FLIGHT", None)
    vouchers, holders = psql("SELECT count(*), count(DISTINCT organisation_id) FROM vouchers_voucher", db).split("|")
    result.update(slots=slots, vouchers=int(vouchers), holders=int(holders), served=dict(served),
                  server_5xx=sum(n for status, n in served.items() if status.startswith("5")))
    log(f"open loop {multiple}× ({rate:.0f} firms/s, {firms} firms, {slots} slots): p99 {result['p99_ms']} ms, "
        f"{result['statuses']}, {result['connection_errors']} connection errors, {vouchers} vouchers")
    return result


def open_loop_runs(seed_db: str, db: str, capacity: float) -> tuple[list[dict], dict]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # thousands of sockets at once
    capacity = max(capacity, 1.0)  # a rush that issued nothing still gets its open-loop runs (and fails them)
    runs = {multiple: run_one(seed_db, db, multiple, capacity) for multiple in MULTIPLES}
    target = runs[2]
    figures = [
        figure("claim_open_loop.capacity_claims_per_s", capacity, "claims/s",
               "the closed-loop rush's claims/s: the arrival rates are multiples of it", None),
        figure("claim_open_loop.admission_in_flight_limit", in_flight_limit(), "claims", "information", None),
        figure("claim_open_loop.door_workers", door_workers(), "workers",
               "information: sync workers beyond the claims in flight, answering the excess", None),
        figure("claim_open_loop.at_2x_p99", target["p99_ms"], "ms", "≤ 1000 (every answer, 429s included)",
               target["p99_ms"] <= 1000),
        figure("claim_open_loop.at_2x_http_5xx", target["server_5xx"] + target["http_5xx"], "responses", "= 0",
               target["server_5xx"] + target["http_5xx"] == 0),
        figure("claim_open_loop.at_2x_connection_errors", target["connection_errors"], "firms", "= 0",
               target["connection_errors"] == 0),
        figure("claim_open_loop.at_2x_vouchers", target["vouchers"], "vouchers", f"= {TARGET_SLOTS}, one a holder",
               target["vouchers"] == TARGET_SLOTS == target["holders"]),
        figure("claim_open_loop.at_2x_unfinished", target["unfinished"], "firms",
               "= 0 (every firm got a 201 or a refusal after its retries)", target["unfinished"] == 0),
    ]
    for multiple in (1, 4):
        run = runs[multiple]
        figures += [
            figure(f"claim_open_loop.at_{multiple}x_p99", run["p99_ms"], "ms",
                   f"information ({run['firms']} firms, {run['slots']} slots)", None),
            figure(f"claim_open_loop.at_{multiple}x_errors", run["server_5xx"] + run["connection_errors"],
                   "responses", "information: 5xx + connection errors", None),
            figure(f"claim_open_loop.at_{multiple}x_vouchers_exact", run["vouchers"] == run["slots"] == run["holders"],
                   "bool", "information", None),
        ]
    return figures, {f"{multiple}x": run for multiple, run in runs.items()}
