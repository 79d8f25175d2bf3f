"""The park's journey and the trainer's test clock, in headless Chromium at 390 × 844 and 1366 × 768: every page
visited passes the page checks (axe-core: no serious or critical violation; no sideways scrolling; no raw codes
or English state ids) and the primary action is on screen without scrolling sideways. The enterprise, provider
and staff journeys run the same checks (test_phone_first, test_journey_redemption)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import PASSWORD
from hangqifu.core import clock
from hangqifu.core.choices import ServiceCategory

from .page_checks import assert_primary_action, check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 768}],
                                    ids=["390x844", "1366x768"])


def _tab_to(page, selector, presses=60):
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
    raise AssertionError(f"Tab never reaches {selector}")


@VIEWPORTS
def test_the_park_claims_its_vouchers_and_reads_its_quota(login, live_server, page, set_clock, click_nav, viewport):
    from hangqifu.policy.models import PolicyYear
    from vouchers.tests.money_factories import open_batch, qualified_buyer

    PolicyYear.objects.get_or_create(year=2026)
    set_clock("2026-06-01T09:00:00+08:00")
    qualified_buyer(role=Role.PARK, quota="20000.00", username="journey-park")
    batch = open_batch(types=((ServiceCategory.DIGITAL_EMPOWERMENT, "1000.00", 10),))
    vtype = batch.voucher_types.get()
    page.set_viewport_size(viewport)

    login("journey-park", PASSWORD)
    to_batch = page.get_by_test_id("card-batch").get_by_role("link")
    assert_primary_action(page, to_batch)
    # by keyboard alone: Tab reaches the batch link, Enter follows it; Tab reaches 领取, Enter claims
    _tab_to(page, "[data-testid=card-batch] a")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/vouchers/batches/{batch.pk}/")
    claim = page.get_by_test_id(f"claim-{vtype.pk}")
    assert_primary_action(page, claim)
    _tab_to(page, f"[data-testid=claim-{vtype.pk}]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/vouchers/my-vouchers/")
    assert "领取成功" in page.locator(".messages").inner_text()
    check_page(page)
    page.goto(f"{live_server.url}/vouchers/qualification/")
    check_page(page)


@VIEWPORTS
def test_a_trainer_moves_the_clock_from_the_header(login, live_server, page, set_clock, make_user, viewport):
    from hangqifu.audit.models import AuditEvent

    set_clock("2026-06-01T09:00:00+08:00")
    make_user(role=Role.SERVICE_CENTER, username="journey-trainer")
    page.set_viewport_size(viewport)
    login("journey-trainer", PASSWORD)

    panel = page.get_by_test_id("test-clock")
    panel.locator("summary").click()
    assert_primary_action(page, panel.get_by_role("button", name="+1 天"))
    panel.get_by_role("button", name="+1 天").click()
    assert "业务时间已调整为 2026-06-02 09:0" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("business-now").inner_text().startswith("2026-06-02 09:0")
    check_page(page)

    page.get_by_test_id("test-clock").locator("summary").click()
    page.fill("#test-clock-when", "2026-09-01T09:30")
    page.get_by_test_id("test-clock").get_by_role("button", name="设置", exact=True).click()
    assert page.get_by_test_id("business-now").inner_text().startswith("2026-09-01 09:3")
    page.get_by_test_id("test-clock").locator("summary").click()
    page.get_by_test_id("test-clock").get_by_role("button", name="恢复真实时间").click()
    assert "已恢复为真实时间" in page.locator(".messages").inner_text()
    assert abs(clock.now() - timezone.now()) < timedelta(minutes=1)
    assert list(AuditEvent.objects.filter(action__startswith="clock.").values_list("action", flat=True)
                .order_by("id")) == ["clock.advance", "clock.set", "clock.reset"]
