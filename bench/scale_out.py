"""Benchmark 6 — two web nodes behind HAProxy, one lost mid-rush. Two gunicorn nodes (production settings, the
test clock switched on: bench/node_settings.py) on two ports, one database, one Redis, HAProxy (Debian's package)
in front balancing them round robin with health checks. Before the rush, what a second node needs from the
first is checked node against node: a session signed in on node 1 opens a page on node 2; a test clock set
through node 1 is node 2's clock; a claim's Idempotency-Key answered on node 1 replays on node 2; the anonymous
throttle counts requests to both nodes together. Then the claim rush through the proxy (the open-loop client:
the firms arrive at a fixed rate, retry 429 after Retry-After and a lost answer — 502/503 — under the same
Idempotency-Key), node 2 killed (SIGKILL, master and workers) once a third of the slots are gone; the database
must then hold exactly the slots' vouchers, one per holder, and node 1 must have served the rest.

Scale: 20,000 firms for 10,000 slots (BENCH_SCALE=small: 500 for 200; BENCH_SCALE_OUT_FIRMS and
BENCH_SCALE_OUT_SLOTS to choose); arrival rate BENCH_SCALE_OUT_RATE
firms/s (default 60 full, 40 small: about what one node's claim serves on this shared 2-core machine, so the
survivor is not simply idle while the queue drains)."""
import http.client
import json
import os
import re
import resource
import subprocess
import threading
import time
import urllib.parse

from . import seed
from .httpbench import PORT, Gunicorn, workers_default
from .lib import DB_PREFIX, OUT, clone_db, drop_db, figure, log, psql, scale, setup_django, write_fragment
from .open_loop import open_loop_rush

FIRMS = int(os.environ.get("BENCH_SCALE_OUT_FIRMS", scale(20_000, 500)))
SLOTS = int(os.environ.get("BENCH_SCALE_OUT_SLOTS", scale(10_000, 200)))
RATE = float(os.environ.get("BENCH_SCALE_OUT_RATE", scale(60, 40)))
DB = f"{DB_PREFIX}_scale_out"
NODE_PORTS = (PORT + 1, PORT + 2)
KILL_AT = SLOTS // 3
CLAIM_PATH, CLAIM_BODY = f"/api/v1/batches/{seed.BASE}/claim/", '{"voucher_type": %d}' % seed.BASE
PASSWORD = "Bench-password-2026"

HAPROXY_CFG = """global
    maxconn 4096
    log stdout format raw local0 notice
defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # a connection refused by a dead node is tried again on the other one (the request never reached a worker);
    # a request a node took and then lost is answered 502, and the client resends it under its Idempotency-Key
    retries 2
    option redispatch
    # a node gets at most as many requests as it has sync workers; the rest wait in HAProxy's queue (and go to
    # the other node if theirs dies), so a node's own backlog stays empty and its health check is answered at
    # once. A request that finds no free worker within 2 s is answered 503 at once (the client retries, under its
    # Idempotency-Key): the queue stays short instead of holding thousands of firms past their timeouts.
    timeout queue 2s
    timeout check 3s
frontend portal
    bind 127.0.0.1:{port}
    default_backend web
backend web
    balance roundrobin
    # the log keeps only the answers ≥ 500 (made by HAProxy itself, or by a node), to stay small
    http-response set-log-level silent if !{{ status ge 500 }}
    option httpchk GET /healthz/
    http-check expect status 200
    default-server check inter 1s fall 2 rise 2 maxconn {workers}
    server node1 127.0.0.1:{node1}
    server node2 127.0.0.1:{node2}
"""


def haproxy_version() -> str:
    found = subprocess.run(["haproxy", "-v"], capture_output=True, text=True).stdout
    return found.splitlines()[0] if found else "not installed"


class HAProxy:
    def __enter__(self):
        config = OUT / "haproxy.cfg"
        config.write_text(HAPROXY_CFG.format(port=PORT, node1=NODE_PORTS[0], node2=NODE_PORTS[1],
                                             workers=workers_default()))
        self.log = open(OUT / "haproxy.log", "w")
        self.proc = subprocess.Popen(["haproxy", "-db", "-f", str(config)], stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(50):
            if self.proc.poll() is not None:
                raise RuntimeError(f"haproxy exited, see {self.log.name}")
            try:
                if request(PORT, "GET", "/healthz/")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"haproxy did not answer, see {self.log.name}")
        log(f"haproxy up on :{PORT} → :{NODE_PORTS[0]}, :{NODE_PORTS[1]}")
        return self

    def cpu_seconds(self) -> float:
        import psutil

        times = psutil.Process(self.proc.pid).cpu_times()
        return round(times.user + times.system, 2)

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


def request(port: int, method: str, path: str, *, body: str | None = None, headers: dict | None = None):
    """One HTTP/1.1 request to 127.0.0.1:port: (status, headers as a list of pairs, body text)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def _cookies(headers) -> dict:
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            found[key.strip()] = rest.split(";")[0]
    return found


def check_session() -> dict:
    """Sign in through node 1's login page; the session cookie opens the workbench on node 2."""
    status, headers, page = request(NODE_PORTS[0], "GET", "/accounts/login/")
    csrf = _cookies(headers).get("csrftoken", "")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    form = urllib.parse.urlencode({"username": "bench-drill", "password": PASSWORD,
                                   "csrfmiddlewaretoken": token.group(1) if token else ""})
    status, headers, _ = request(NODE_PORTS[0], "POST", "/accounts/login/", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"})
    session = _cookies(headers).get("sessionid", "")
    on_node2, _, page = request(NODE_PORTS[1], "GET", "/home/", headers={"Cookie": f"sessionid={session}"})
    anonymous, _, _ = request(NODE_PORTS[1], "GET", "/home/")
    ok = status == 302 and bool(session) and on_node2 == 200 and "bench-drill" in page and anonymous == 302
    return {"login_status_node1": status, "home_status_node2": on_node2, "home_anonymous_node2": anonymous,
            "shared": ok}


def check_clock(bureau_token: str) -> dict:
    """A test clock set through node 1 is node 2's clock; reset through node 2, node 1's clock is real again."""
    auth = {"Authorization": f"Token {bureau_token}", "Content-Type": "application/json"}
    when = "2030-03-01T09:00:00+08:00"
    set_status, _, _ = request(NODE_PORTS[0], "POST", "/api/v1/test-clock/", body=json.dumps({"now": when}),
                               headers=auth)
    _, _, seen = request(NODE_PORTS[1], "GET", "/api/v1/test-clock/", headers=auth)
    seen_now = json.loads(seen).get("now", "") if seen.startswith("{") else seen[:200]
    reset_status, _, _ = request(NODE_PORTS[1], "DELETE", "/api/v1/test-clock/", headers=auth)
    _, _, after = request(NODE_PORTS[0], "GET", "/api/v1/test-clock/", headers=auth)
    after_now = json.loads(after).get("now", "") if after.startswith("{") else after[:200]
    ok = set_status == 200 and seen_now.startswith("2030-03-01T09:00") and reset_status == 204 \
        and not after_now.startswith("2030")
    return {"set_status_node1": set_status, "seen_on_node2": seen_now, "reset_status_node2": reset_status,
            "after_reset_node1": after_now, "shared": ok}


def check_idempotency() -> dict:
    """Firm 1 claims on node 1 with a key; the same key on node 2 replays the first answer and issues nothing."""
    headers = {"Authorization": f"Token {seed.token(1)}", "Content-Type": "application/json",
               "Idempotency-Key": "drill-firm-1"}
    first = request(NODE_PORTS[0], "POST", CLAIM_PATH, body=CLAIM_BODY, headers=headers)
    replay = request(NODE_PORTS[1], "POST", CLAIM_PATH, body=CLAIM_BODY, headers=headers)
    vouchers = int(psql("SELECT count(*) FROM vouchers_voucher", DB))
    ok = first[0] == 201 and replay[0] == 201 and json.loads(first[2]) == json.loads(replay[2]) and vouchers == 1
    return {"first_status_node1": first[0], "replay_status_node2": replay[0],
            "same_body": first[2] == replay[2], "vouchers_after": vouchers, "shared": ok}


def check_throttle() -> dict:
    """The anonymous throttle (120 a minute per address) counts node 1's and node 2's requests together: sent
    alternately to each node, the 121st request is refused, not the 241st."""
    allowed = 0
    for i in range(300):
        status, _, _ = request(NODE_PORTS[i % 2], "GET", "/api/v1/catalogue/")
        if status == 429:
            break
        allowed += status == 200
    return {"allowed_before_429": allowed, "requests_sent": i + 1, "shared": allowed == 120}


def node_posts(server: Gunicorn) -> int:
    return sum(server.post_statuses().values())


def main() -> None:
    year = seed.current_year()
    clone_db(DB)
    psql(seed.buyers_sql(FIRMS, year=year) + seed.fund_batch_sql(year=year, total="1000000000.00", slots=SLOTS)
         + seed.fix_sequences_sql(["accounts_organisation", "accounts_user", "vouchers_qualification",
                                   "vouchers_issuancebatch", "vouchers_vouchertype"]) + "\nANALYZE;", DB)
    setup_django(DB)
    from hangqifu.accounts.models import User
    from hangqifu.accounts.services import user_create
    from hangqifu.accounts.tokens import token_issue

    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    # the nodes check passwords with production's hashers (the bench's settings hash with MD5, for speed)
    hasher = PBKDF2PasswordHasher()
    drill = user_create(username="bench-drill", password=PASSWORD, role="enterprise")
    bureau = user_create(username="bench-drill-bureau", password=PASSWORD, role="bureau")
    User.objects.filter(pk__in=[drill.pk, bureau.pk]).update(password=hasher.encode(PASSWORD, hasher.salt()))
    _, bureau_token = token_issue(user=User.objects.get(pk=bureau.pk), second_factor=True, label="drill")
    from django.db import connection

    connection.close()
    log(f"scale out: seeded {FIRMS} firms, {SLOTS} slots")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # one admission limit for the deployment (a Redis semaphore): the two nodes' workers less one per node
    os.environ["HANGQIFU_CLAIM_IN_FLIGHT"] = str(max(1, 2 * (workers_default() - 1)))
    shared, rush, killed = {}, {}, {}
    try:
        with Gunicorn(DB, port=NODE_PORTS[0], settings="bench.node_settings") as node1, \
                Gunicorn(DB, port=NODE_PORTS[1], settings="bench.node_settings") as node2, HAProxy() as proxy:
            shared = {"sessions": check_session(), "test_clock": check_clock(bureau_token),
                      "idempotency_keys": check_idempotency(), "throttles": check_throttle()}
            log(f"scale out: shared between nodes {({k: v['shared'] for k, v in shared.items()})}")
            works = [(seed.token(i), CLAIM_PATH, CLAIM_BODY) for i in range(2, FIRMS + 1)]

            def kill_when_a_third_is_gone():
                while node2.proc.poll() is None and not killed.get("stop"):
                    issued = int(psql("SELECT count(*) FROM vouchers_voucher", DB))
                    if issued >= KILL_AT:
                        killed.update(at_vouchers=issued, at=psql("SELECT now()", DB))
                        node2.kill()
                        # what each node had answered when node 2 died (its access log is complete then)
                        killed.update(node1_posts=node_posts(node1), node2_posts=node_posts(node2))
                        log(f"scale out: node 2 killed at {issued} vouchers")
                        return
                    time.sleep(0.2)

            killer = threading.Thread(target=kill_when_a_third_is_gone, daemon=True)
            killer.start()
            rush = open_loop_rush(port=PORT, works=works, rate=RATE, max_seconds=FIRMS / RATE + 600,
                                  retry_on={429, 502, 503})
            killed["stop"] = True
            killer.join(timeout=5)
            haproxy_cpu_s = proxy.cpu_seconds()
            served = {"node1": dict(node1.post_statuses()), "node2": dict(node2.post_statuses())}
            served_after = {"node1": node_posts(node1) - killed.get("node1_posts", 0),
                            "node2": node_posts(node2) - killed.get("node2_posts", 0)}
    finally:
        os.environ.pop("HANGQIFU_CLAIM_IN_FLIGHT", None)
    vouchers, holders, remaining, entries, after_kill = psql(f"""SELECT count(*), count(DISTINCT organisation_id),
        (SELECT remaining FROM vouchers_vouchertype WHERE id = {seed.BASE}),
        (SELECT count(*) FROM vouchers_ledgerentry WHERE kind = 'claim'),
        count(*) FILTER (WHERE claimed_at > '{killed.get("at", "infinity")}')
        FROM vouchers_voucher""", DB).split("|")
    vouchers, holders, remaining, entries, after_kill = map(int, (vouchers, holders, remaining, entries, after_kill))
    log(f"scale out: {vouchers} vouchers for {holders} holders, {after_kill} after the kill; client {rush}; "
        f"served {served}")
    exact = vouchers == SLOTS == holders == entries and remaining == 0
    server_5xx = sum(n for node in served.values() for status, n in node.items() if status.startswith("5"))
    survivor = bool(killed.get("at")) and after_kill > 0 and served_after["node2"] == 0 and served_after["node1"] > 0
    figures = [
        figure("scale_out.firms_and_slots", f"{FIRMS} firms, {SLOTS} slots", "", f"arrivals at {RATE:g} firms/s", None),
        figure("scale_out.vouchers", vouchers, "vouchers", f"= {SLOTS}, one a holder, one ledger entry each", exact),
        figure("scale_out.double_issue", vouchers - holders, "vouchers", "= 0 (a holder with two)", vouchers == holders),
        figure("scale_out.node2_killed_at_vouchers", killed.get("at_vouchers"), "vouchers", f"≈ {KILL_AT}",
               bool(killed.get("at"))),
        figure("scale_out.vouchers_after_the_kill", after_kill, "vouchers", "> 0, all by the surviving node",
               survivor),
        figure("scale_out.unfinished_firms", rush.get("unfinished", 0) + rush.get("connection_errors", 0), "firms",
               "= 0 (each got its voucher or a refusal, retrying through the proxy)",
               rush.get("unfinished", 0) + rush.get("connection_errors", 0) == 0),
        figure("scale_out.node_5xx", server_5xx, "responses", "= 0 (answered by either node)", server_5xx == 0),
        figure("scale_out.answers_lost_with_the_node", rush.get("statuses", {}).get(502, 0), "answers",
               "information: 502, requests node 2 had taken when it died, each resent under its key", None),
        figure("scale_out.proxy_queue_refusals", rush.get("statuses", {}).get(503, 0), "answers",
               "information: 503 from HAProxy, no free worker within 2 s, each resent", None),
        figure("scale_out.p99", rush.get("p99_ms"), "ms", "information (every answer, 429s and 502s included)", None),
    ]
    figures += [figure(f"scale_out.shared_{name}", check["shared"], "bool", "true (node 1 → node 2)",
                       check["shared"]) for name, check in shared.items()]
    write_fragment("scale_out", figures, {"haproxy": haproxy_version(), "node_ports": NODE_PORTS, "proxy_port": PORT,
                                          "workers_per_node": workers_default(), "rate": RATE, "shared": shared,
                                          "rush": rush, "killed": killed, "served": served,
                                          "served_after_kill": served_after,
                                          "haproxy_cpu_s": haproxy_cpu_s})
    if os.environ.get("BENCH_KEEP_DB") != "1":
        drop_db(DB)


if __name__ == "__main__":
    main()
