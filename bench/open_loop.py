"""An open-loop rush: firms arrive at a fixed rate whatever the server's speed (the 9:00 press of 领取), unlike
wrk's closed loop where a connection waits for its answer before sending the next. Each firm sends its claim on
a new connection at its arrival instant; on 429 it waits the server's Retry-After plus up to a second (as the
claim page does) and sends it again, until a 201 or a refusal. Every answer's latency is recorded (from that
attempt's send), so a 429 counts as the quick answer it is.

A small asyncio HTTP/1.1 client (one request per connection, `Connection: close`, as the sync workers answer):
no dependency, and cheap enough to offer thousands of requests a second from one process."""
import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from .lib import percentile


@dataclass
class OpenLoopResult:
    rate: float
    firms: int
    wall_s: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    latencies_ms: list = field(default_factory=list)
    connection_errors: int = 0
    retries: int = 0
    unfinished: int = 0

    def summary(self) -> dict:
        return {"rate_per_s": round(self.rate, 1), "firms": self.firms, "wall_s": round(self.wall_s, 2),
                "answers": sum(self.statuses.values()), "statuses": dict(self.statuses),
                "p50_ms": round(percentile(self.latencies_ms, 50), 1),
                "p99_ms": round(percentile(self.latencies_ms, 99), 1),
                "max_ms": round(max(self.latencies_ms, default=0), 1),
                "connection_errors": self.connection_errors, "retries": self.retries, "unfinished": self.unfinished,
                "http_5xx": sum(n for status, n in self.statuses.items() if status >= 500)}


async def _post(host: str, port: int, path: str, token: str, body: str, timeout: float, key: str = "") -> tuple[int, dict]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        payload = body.encode()
        idempotency = f"Idempotency-Key: {key}\r\n" if key else ""
        writer.write((f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Token {token}\r\n{idempotency}"
                      f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
                      f"Connection: close\r\n\r\n").encode() + payload)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        await asyncio.wait_for(reader.read(), timeout)  # the body, to the close
        return status, headers
    finally:
        writer.close()


async def _firm(result: OpenLoopResult, start: float, at: float, host, port, work, timeout, give_up_at, retry_on):
    await asyncio.sleep(max(0.0, start + at - time.perf_counter()))
    token, path, body = work
    # with retries on a lost answer (502/503 from a proxy whose node died), the firm resends the same claim
    # under the same Idempotency-Key, as the page does: at most one voucher whatever reached the database
    key = f"claim-{token[:20]}" if retry_on - {429} else ""
    while True:
        sent = time.perf_counter()
        try:
            status, headers = await _post(host, port, path, token, body, timeout, key)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
            result.connection_errors += 1
            return
        result.latencies_ms.append(1000 * (time.perf_counter() - sent))
        result.statuses[status] += 1
        if status not in retry_on:
            return
        if time.perf_counter() > give_up_at:
            result.unfinished += 1
            return
        result.retries += 1
        await asyncio.sleep(float(headers.get("retry-after", "1")) + random.random())


async def _rush(host, port, works, rate, timeout, max_seconds, retry_on) -> OpenLoopResult:
    result = OpenLoopResult(rate=rate, firms=len(works))
    start = time.perf_counter()
    give_up_at = start + max_seconds
    await asyncio.gather(*(_firm(result, start, i / rate, host, port, work, timeout, give_up_at, retry_on)
                           for i, work in enumerate(works)))
    result.wall_s = time.perf_counter() - start
    return result


def open_loop_rush(*, port: int, works: list[tuple[str, str, str]], rate: float, host: str = "127.0.0.1",
                   timeout: float = 30.0, max_seconds: float = 600.0, retry_on=frozenset({429})) -> dict:
    """Send `works` (token, path, JSON body) at `rate` arrivals per second; the answers' summary. A firm sends
    again after an answer in `retry_on` (429: the queue's; 502/503 too behind a proxy, with an Idempotency-Key)."""
    random.seed(20_000)
    return asyncio.run(_rush(host, port, works, rate, timeout, max_seconds, frozenset(retry_on))).summary()
