"""Admission control in front of the claim (hangqifu/core/admission.py): beyond the claims in flight allowed, a
claim is answered at once with 429, `Retry-After` and code `busy`, changing nothing; a sold-out type is refused
409 from the cache without queueing; the token is given back after each admitted claim."""
import pytest

from hangqifu.core import admission
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
    monkeypatch.setattr(admission, "take_token", lambda limit: None)  # every place in flight is taken
    response = _post(api_as, qualified_buyer(), batch, voucher_type)
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert response.json()["code"] == "busy" and "排队中" in response.json()["detail"]
    assert Voucher.objects.count() == 0
    voucher_type.refresh_from_db()
    assert voucher_type.remaining == 5


def test_an_admitted_claim_gives_its_token_back(rush, api_as, monkeypatch):
    batch, voucher_type = rush
    taken, released = [], []
    monkeypatch.setattr(admission, "take_token", lambda limit: taken.append(limit) or "token-1")
    monkeypatch.setattr(admission, "release_token", released.append)
    assert _post(api_as, qualified_buyer(), batch, voucher_type).status_code == 201
    assert (taken, released) == ([1], ["token-1"])


def test_a_sold_out_type_is_refused_409_without_queueing(rush, api_as, monkeypatch):
    batch, voucher_type = rush
    voucher_claim_cache.mark_sold_out(voucher_type.pk)
    monkeypatch.setattr(admission, "take_token", lambda limit: pytest.fail("a sold-out claim never queues"))
    response = _post(api_as, qualified_buyer(), batch, voucher_type)
    assert (response.status_code, response.json()["code"]) == (409, "batch_exhausted")


def test_the_claim_page_is_queued_too_and_its_script_gets_json(rush, client, monkeypatch):
    batch, voucher_type = rush
    client.force_login(qualified_buyer())
    monkeypatch.setattr(admission, "take_token", lambda limit: None)
    url = f"/vouchers/batches/{batch.pk}/claim/"
    scripted = client.post(url, {"voucher_type": voucher_type.pk}, HTTP_X_CLAIM_QUEUE="1")
    assert (scripted.status_code, scripted["Retry-After"], scripted.json()["code"]) == (429, "1", "busy")
    plain = client.post(url, {"voucher_type": voucher_type.pk})
    assert plain.status_code == 429 and "排队中" in plain.content.decode()


def test_the_semaphore_admits_up_to_the_limit_then_refuses_until_a_token_is_back():
    if admission._redis() is None:  # the in-process cache: admission fails open, never refuses
        assert admission.take_token(1) and admission.take_token(1)
        return
    admission._redis().delete(admission._key())
    first = admission.take_token(2)
    second = admission.take_token(2)
    assert first and second and admission.take_token(2) is None
    admission.release_token(first)
    third = admission.take_token(2)
    assert third is not None
    for token in (second, third):
        admission.release_token(token)


def test_off_by_default_outside_production(set_clock, api_as, monkeypatch):
    set_clock(OPEN_TIME)
    batch = open_batch(types=((ServiceCategory.LEGAL, "1000.00", 5),))
    monkeypatch.setattr(admission, "take_token", lambda limit: pytest.fail("no admission when the limit is 0"))
    assert _post(api_as, qualified_buyer(), batch, batch.voucher_types.get()).status_code == 201
