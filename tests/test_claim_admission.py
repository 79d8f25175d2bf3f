"""Admission control in front of the claim (hangqifu/core/admission.py): beyond the claims in flight allowed, a
claim is answered at once with 429, its place in line, `Retry-After` and code `busy`, changing nothing; a sold-out
type is refused 409 from the cache without queueing; the token is given back after each admitted claim. The waiting
room itself (hangqifu/core/waiting_room.py) against the real Redis: first come, first served, a Retry-After that
grows with the line, and a firm that does not come back leaves it."""
import pytest

from hangqifu.core import waiting_room
from hangqifu.core.choices import ServiceCategory
from vouchers.models import Voucher
from vouchers.services import voucher_claim_cache
from vouchers.tests.money_factories import open_batch, qualified_buyer

pytestmark = pytest.mark.django_db
OPEN_TIME = "2026-06-01T09:00:00+08:00"


@pytest.fixture
def rush(set_clock, settings):
    set_clock(OPEN_TIME)
    settings.CLAIM_IN_FLIGHT_LIMIT = 1
    batch = open_batch(types=((ServiceCategory.LEGAL, "1000.00", 5),))
    return batch, batch.voucher_types.get()


def _post(api_as, user, batch, voucher_type):
    return api_as(user).post(f"/api/v1/batches/{batch.pk}/claim/", {"voucher_type": voucher_type.pk}, format="json")


def test_a_claim_beyond_the_limit_is_answered_429_with_retry_after_and_changes_nothing(rush, api_as, monkeypatch):
    batch, voucher_type = rush
    # every place in flight is taken; three firms are ahead in line
    monkeypatch.setattr(waiting_room, "take_place", lambda limit, firm: waiting_room.Place(None, 3, 2))
    response = _post(api_as, qualified_buyer(), batch, voucher_type)
    assert response.status_code == 429
    assert (response["Retry-After"], response["X-Queue-Position"]) == ("2", "3")
    assert response.json()["code"] == "busy" and "排队中" in response.json()["detail"]
    assert Voucher.objects.count() == 0
    voucher_type.refresh_from_db()
    assert voucher_type.remaining == 5


def test_an_admitted_claim_gives_its_token_back(rush, api_as, monkeypatch):
    batch, voucher_type = rush
    taken, released = [], []
    monkeypatch.setattr(waiting_room, "take_place",
                        lambda limit, firm: taken.append((limit, len(firm))) or waiting_room.Place("token-1"))
    monkeypatch.setattr(waiting_room, "release", released.append)
    assert _post(api_as, qualified_buyer(), batch, voucher_type).status_code == 201
    assert (taken, released) == ([(1, 32)], ["token-1"]), "the firm is known by its credential's digest"


def test_a_sold_out_type_is_refused_409_without_queueing(rush, api_as, monkeypatch):
    batch, voucher_type = rush
    voucher_claim_cache.mark_sold_out(voucher_type.pk)
    monkeypatch.setattr(waiting_room, "take_place", lambda limit, firm: pytest.fail("a sold-out claim never queues"))
    response = _post(api_as, qualified_buyer(), batch, voucher_type)
    assert (response.status_code, response.json()["code"]) == (409, "batch_exhausted")


def test_the_claim_page_is_queued_too_and_its_script_gets_json(rush, client, monkeypatch):
    batch, voucher_type = rush
    client.force_login(qualified_buyer())
    monkeypatch.setattr(waiting_room, "take_place", lambda limit, firm: waiting_room.Place(None, 0, 1))
    url = f"/vouchers/batches/{batch.pk}/claim/"
    scripted = client.post(url, {"voucher_type": voucher_type.pk}, HTTP_X_CLAIM_QUEUE="1")
    assert (scripted.status_code, scripted["Retry-After"], scripted.json()["code"]) == (429, "1", "busy")
    plain = client.post(url, {"voucher_type": voucher_type.pk})
    assert plain.status_code == 429 and "排队中" in plain.content.decode()


@pytest.fixture
def room():
    """The waiting room in the real Redis (the tests that use it are marked `redis`: skipped without one, never
    under CI)."""
    assert waiting_room._redis() is not None, "REDIS_URL is set but the cache is not Redis"
    waiting_room.clear()
    yield waiting_room
    waiting_room.clear()


class _DownRedis:
    def eval(self, *args):
        raise ConnectionError("Redis is down")

    def zrem(self, *args):
        raise ConnectionError("Redis is down")


@pytest.mark.parametrize("client", [None, _DownRedis()], ids=["no-redis-cache", "redis-down"])
def test_without_redis_admission_fails_open(monkeypatch, client):
    # the database stays the only authority: with no waiting room every claim is let through, beyond the limit too
    monkeypatch.setattr(waiting_room, "_redis", lambda: client)
    first, second = waiting_room.take_place(1, "a"), waiting_room.take_place(1, "b")
    assert first.token and second.token
    waiting_room.release(first.token)  # giving a token back cannot fail either


@pytest.mark.redis
def test_the_semaphore_admits_up_to_the_limit_then_refuses_until_a_token_is_back(room):
    first, second = room.take_place(2, "a"), room.take_place(2, "b")
    assert first.token and second.token
    third = room.take_place(2, "c")
    assert (third.token, third.position) == (None, 0)
    room.release(first.token)
    assert room.take_place(2, "c").token, "the first in line takes the freed place"
    room.release(second.token)


@pytest.mark.redis
def test_the_line_keeps_the_order_of_first_arrival(room):
    busy = room.take_place(1, "in-flight")
    assert [room.take_place(1, firm).position for firm in ("a", "b", "c")] == [0, 1, 2]
    assert room.take_place(1, "b").position == 1, "a firm coming back keeps its place"
    room.release(busy.token)
    admitted = room.take_place(1, "a")
    assert admitted.token, "a free place is taken by the first to ask"
    assert [room.take_place(1, firm).position for firm in ("b", "c", "newcomer")] == [0, 1, 2], \
        "a admitted leaves the line; the others move up; a newcomer queues behind them"
    room.release(admitted.token)


@pytest.fixture
def clock(room, settings, monkeypatch):
    """The waiting room's clock, a twentieth of a second into a whole second, moved by hand."""
    settings.CLAIM_RETRY_AFTER_MAX_SECONDS = 120
    now = {"now": int(waiting_room.time.time()) + 0.05}
    monkeypatch.setattr(waiting_room.time, "time", lambda: now["now"])
    return now


def _start_more_claims(room, clock, busy, count: int):
    """`count` more claims start within the next second, one place in flight; the last one's place."""
    for _ in range(count):
        room.release(busy.token)
        clock["now"] += 0.1
        busy = room.take_place(1, "someone")
    return busy


@pytest.mark.redis
def test_retry_after_grows_with_the_place_in_line(room, clock):
    start = clock["now"]
    busy = room.take_place(1, "in-flight")
    waits = [room.take_place(1, f"firm-{i}").retry_after for i in range(61)]
    # no claim started in the seconds before: 20 a second per place in flight is assumed
    assert (waits[0], waits[19], waits[20], waits[39], waits[40], waits[60]) == (1, 1, 2, 2, 3, 4)
    _start_more_claims(room, clock, busy, 4)
    clock["now"] = start + 1.5
    # a second later the busiest of the last three seconds had 5 claims started
    assert room.take_place(1, "firm-9").retry_after == 2, "10th in line ÷ 5 claims a second"
    assert room.take_place(1, "firm-60").retry_after == 13, "61st in line ÷ 5 a second"


@pytest.mark.redis
def test_seconds_in_which_the_line_was_away_do_not_lengthen_the_wait(room, clock):
    start = clock["now"]
    _start_more_claims(room, clock, room.take_place(1, "in-flight"), 4)  # five claims start within one second
    clock["now"] = start + 1.5
    assert room.take_place(1, "firm-0").retry_after == 1
    # then five seconds in which no claim started: the firms told to wait were away, not the database slower
    clock["now"] = start + 6.5
    waits = [room.take_place(1, f"firm-{i}").retry_after for i in range(61)]
    assert waits[60] == 13, "61st in line ÷ the 5 a second remembered, not the 20 assumed before any start"


@pytest.mark.redis
def test_a_firm_that_does_not_come_back_leaves_the_line(room, settings, monkeypatch):
    settings.CLAIM_QUEUE_GRACE_SECONDS = 5
    start = waiting_room.time.time()
    clock = {"now": start}
    monkeypatch.setattr(waiting_room.time, "time", lambda: clock["now"])
    room.take_place(1, "in-flight")
    assert [room.take_place(1, firm).position for firm in ("gave-up", "patient", "behind")] == [0, 1, 2]
    clock["now"] = start + 4  # patient and behind come back in time (Retry-After 1 s + 5 s of grace)
    assert [room.take_place(1, firm).position for firm in ("patient", "behind")] == [1, 2]
    clock["now"] = start + 8  # gave-up was due back by start + 6
    assert [room.take_place(1, firm).position for firm in ("patient", "behind")] == [0, 1], \
        "the firm that did not come back no longer blocks the line, the others keep their order"
