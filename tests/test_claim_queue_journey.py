"""The claim page at 9:00 (headless Chromium, phone and desktop): the server answers the first presses of 领取
with 429 (admission control), the page says 排队中 under the button and retries by itself after Retry-After,
and the claim then succeeds once — no second press, no second voucher."""
import pytest

from hangqifu.accounts.tests.factories import PASSWORD
from hangqifu.core import waiting_room
from hangqifu.core.choices import ServiceCategory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 768}],
                         ids=["390x844", "1366x768"])
def test_a_queued_claim_shows_paidui_and_retries_to_success(set_clock, settings, monkeypatch, login, live_server,
                                                           page, viewport):
    from hangqifu.policy.models import PolicyYear
    from vouchers.models import Voucher
    from vouchers.tests.money_factories import open_batch, qualified_buyer

    PolicyYear.objects.get_or_create(year=2026)  # transactional tests flush seeded rows
    set_clock("2026-06-01T09:00:00+08:00")
    qualified_buyer(quota="5000.00", username="queue-buyer")
    batch = open_batch(types=((ServiceCategory.DIGITAL_EMPOWERMENT, "2000.00", 10),))
    voucher_type = batch.voucher_types.get()
    settings.CLAIM_IN_FLIGHT_LIMIT = 1
    # the queue is full for the first two presses (third, then first in line), then a place is free
    answers = iter([waiting_room.Place(None, 2, 1), waiting_room.Place(None, 0, 1)])
    monkeypatch.setattr(waiting_room, "take_place", lambda limit, firm: next(answers, waiting_room.Place("token")))
    monkeypatch.setattr(waiting_room, "release", lambda token: None)

    page.set_viewport_size(viewport)
    login("queue-buyer", PASSWORD)
    page.goto(f"{live_server.url}/vouchers/batches/{batch.pk}/")
    page.get_by_test_id(f"claim-{voucher_type.pk}").click()
    reason = page.get_by_test_id(f"reason-{voucher_type.pk}")
    reason.filter(has_text="排队中，前面还有 2 家企业").wait_for(timeout=10_000)
    assert page.get_by_test_id(f"claim-{voucher_type.pk}").is_disabled(), "no second press while queued"
    page.wait_for_url(f"{live_server.url}/vouchers/my-vouchers/", timeout=20_000)
    assert "领取成功" in page.locator(".messages").inner_text()
    assert Voucher.objects.filter(organisation__users__username="queue-buyer").count() == 1
