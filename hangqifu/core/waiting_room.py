"""The claim's waiting room in the shared Redis: who may start a claim now, and when each of the others should
come back.

At 9:00 the firms pressing 领取 outnumber what the database can serve. A claim starts only while fewer than the
limit are in flight (a semaphore: a sorted set of tokens scored by their expiry, so a worker killed mid-claim
leaks its token for at most CLAIM_IN_FLIGHT_EXPIRY_SECONDS). A firm turned away takes a place in line, kept by
its first arrival (a number drawn at the door), and is told to come back when its turn is expected: its place divided by the claims started
per second lately. So the firms come back about as fast as claims can start — a fixed one-second retry would make
every waiting firm knock every second, and the knocking alone would outgrow the server as the line grows.

- A place in flight that is free goes to whoever asks first, in line or not: holding it for the front of the line
  would leave it idle until that firm comes back (its Retry-After is whole seconds), and the rush would be served
  slower than the database can. The line decides when each firm comes back, so the front is there to ask first.
- A firm that does not come back by its time (plus a grace) leaves the line, so a firm that gave up, or was
  refused sold out without queueing, never blocks the ones behind it.
- A firm is known by a digest of its credential (API token or session cookie); a request without one is
  admitted when a place is free and otherwise told to retry in a second, as before the line existed.
- The line only orders the rush: the database still decides every claim. If Redis does not answer, the claim is
  admitted (fail open)."""
import hashlib
import logging
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

# KEYS: 1 in flight · 2 the line (score: the firm's number, drawn at its first arrival) · 3 when each in line is due
# back · 4 claims started this second · 5-7 claims started in each of the three seconds before · 8 the last number
# drawn · 9 the busiest second remembered
# ARGV: 1 now · 2 token expiry · 3 limit · 4 token · 5 key lifetime · 6 firm ('' unknown) · 7 grace to come back ·
# 8, 9 the least and the most Retry-After · 10 claims a second per place in flight assumed before any has started ·
# 11 how long the busiest second is remembered
# A firm's wait is the line ahead of it ÷ the claims the door can start per second: the busiest second of the
# last three, or a busier one remembered from the last ARGV[11] seconds (before the first second of a rush is
# over, ARGV[10] per place: a claim's usual 50 ms). Remembering the busiest second matters: a second in which few
# claims started because the firms told to wait were away says nothing about what the database can do, and
# reading it as the rate would send the next firms away for longer still, leaving the places in flight idle.
# The price: a burst of claims that end fast (refused at once) raises it for up to ARGV[11] seconds, and the
# waits given meanwhile are too short, which costs only more knocks, each a cheap 429.
_TAKE = """
local now = tonumber(ARGV[1])
local firm = ARGV[6]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  if firm ~= '' then
    redis.call('ZREM', KEYS[2], firm)
    redis.call('ZREM', KEYS[3], firm)
  end
  redis.call('INCR', KEYS[4])
  redis.call('EXPIRE', KEYS[4], 10)
  return {1, 0, 0}
end
local least, most = tonumber(ARGV[8]), tonumber(ARGV[9])
if firm == '' then return {0, 0, least} end
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 200)
for _, other in ipairs(gone) do
  redis.call('ZREM', KEYS[2], other)
  redis.call('ZREM', KEYS[3], other)
end
local rank = redis.call('ZRANK', KEYS[2], firm)
if not rank then
  rank = redis.call('ZCARD', KEYS[2])
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[8]), firm)
end
local rate = 0
for i = 5, 7 do rate = math.max(rate, tonumber(redis.call('GET', KEYS[i]) or '0')) end
local busiest = tonumber(redis.call('GET', KEYS[9]) or '0')
if rate >= busiest and rate > 0 then
  redis.call('SET', KEYS[9], rate, 'EX', ARGV[11])
else
  rate = busiest
end
if rate == 0 then rate = tonumber(ARGV[3]) * tonumber(ARGV[10]) end
local wait = math.max(least, math.min(math.ceil((rank + 1) / rate), most))
redis.call('ZADD', KEYS[3], now + wait + tonumber(ARGV[7]), firm)
for _, key in ipairs({KEYS[2], KEYS[3], KEYS[8]}) do redis.call('EXPIRE', key, ARGV[5]) end
return {0, rank, wait}
"""


@dataclass(frozen=True)
class Place:
    """The answer to one claim at the door: a token to give back after the claim, or its place in line."""

    token: str | None
    position: int = 0  # firms ahead in line
    retry_after: int = 1  # seconds until its turn is expected


def _redis():
    client = getattr(cache, "_cache", None)
    return client.get_client(write=True) if client is not None and hasattr(client, "get_client") else None


def _key(name: str) -> str:
    return cache.make_key(f"claims:{name}")


def firm_of(request) -> str:
    """A digest of the credential the request carries: the same firm retrying gets the same place in line."""
    credential = request.headers.get("Authorization") or request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    return hashlib.sha256(credential.encode()).hexdigest()[:32] if credential else ""


def take_place(limit: int, firm: str = "") -> Place:
    """Admit the claim (a token) when a place in flight is free and it is this firm's turn; else its place in line."""
    redis = _redis()
    token = uuid.uuid4().hex
    if redis is None:
        return Place(token)
    now = time.time()
    second = int(now)
    keys = [_key("in-flight"), _key("line"), _key("due"), *(_key(f"started:{second - i}") for i in range(4)),
            _key("line-number"), _key("busiest-second")]
    try:
        taken, position, wait = redis.eval(
            _TAKE, len(keys), *keys, now, now + settings.CLAIM_IN_FLIGHT_EXPIRY_SECONDS, limit, token,
            settings.CLAIM_QUEUE_FORGET_SECONDS, firm, settings.CLAIM_QUEUE_GRACE_SECONDS,
            settings.CLAIM_RETRY_AFTER_SECONDS, settings.CLAIM_RETRY_AFTER_MAX_SECONDS, 20,
            settings.CLAIM_RATE_MEMORY_SECONDS)
    except Exception:  # noqa: BLE001 — admission must never refuse a claim the database would accept
        logger.warning("claim admission: Redis unavailable, admitting", exc_info=True)
        return Place(token)
    return Place(token) if taken else Place(None, int(position), int(wait))


def release(token: str) -> None:
    redis = _redis()
    if redis is not None:
        try:
            redis.zrem(_key("in-flight"), token)
        except Exception:  # noqa: BLE001 — it expires by itself
            logger.warning("claim admission: could not release a token", exc_info=True)


def clear() -> None:
    """Empty the line and the places in flight (tests, and the start of a benchmark run)."""
    redis = _redis()
    if redis is not None:
        second = int(time.time())
        started = [_key(f"started:{second - i}") for i in range(-1, 11)]  # they live 10 s
        redis.delete(_key("in-flight"), _key("line"), _key("due"), _key("line-number"), _key("busiest-second"), *started)
