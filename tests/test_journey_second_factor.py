"""A bureau official who never enrolled a second factor cannot sign a settlement batch — not from the page, not
by posting the form, not through the API. They enrol an authenticator (scan the secret, type its code, keep the
backup codes), log out, log in with password and code, and sign. At phone and desktop width."""
import re

import pytest

from hangqifu.accounts.roles import Role, sync_role_groups
from hangqifu.accounts.second_factor import totp_code
from hangqifu.accounts.tests.factories import PASSWORD, UserFactory, otp_code
from hangqifu.policy.models import PolicyYear
from redemption.models import SettlementBatch
from redemption.tests.factories import approved_claim, batch_past_notice, deducted_order, provider_user

from .browser_steps import logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _batch_waiting_for_signatures(set_clock, run=None) -> SettlementBatch:
    """One approved claim collected, approved, published and its notice closed clear (services, not pages;
    `run` calls each service — in a test inside one transaction it runs what the service schedules on commit)."""
    set_clock("2026-06-01T09:00:00+08:00")
    for year in (2026, 2027):
        PolicyYear.objects.get_or_create(year=year)
    center, bureau = UserFactory(role=Role.SERVICE_CENTER), UserFactory(role=Role.BUREAU)
    provider = provider_user("xihu", name="杭州双因素测试服务有限公司")
    approved_claim(provider, [deducted_order(provider.organisation)], center=center, bureau=bureau)
    batch = batch_past_notice(center=center, bureau=bureau, set_clock=set_clock, run=run)
    assert batch.state == SettlementBatch.State.NOTICE_CLOSED
    return batch


@pytest.mark.parametrize("width,height", [(390, 844), (1366, 768)])
def test_staff_enrol_totp_log_in_with_it_and_sign_without_it_refused(live_server, page, set_clock, width, height):
    sync_role_groups()
    page.set_viewport_size({"width": width, "height": height})
    page.on("dialog", lambda dialog: dialog.accept())
    batch = _batch_waiting_for_signatures(set_clock)
    official = UserFactory(role=Role.BUREAU, second_factor=False, username=f"bureau-new-{width}")
    url = live_server.url

    # without a second factor: the password leads to enrolment, never to the batch or its sign button
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", official.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/second-factor/\?next="))
    page.goto(f"{url}/redemption/batches/{batch.pk}/")
    assert "/accounts/second-factor/" in page.url
    assert page.get_by_test_id("batch-sign").count() == 0
    # posting the sign form directly is refused too, and the API gives no token
    csrf = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    posted = page.request.post(f"{url}/redemption/batches/{batch.pk}/sign/", form={"csrfmiddlewaretoken": csrf},
                               headers={"Referer": page.url}, max_redirects=0)
    assert posted.status == 302 and "/accounts/second-factor/" in posted.headers["location"]
    token = page.request.post(f"{url}/api/v1/auth/token/",
                              data={"username": official.username, "password": PASSWORD})
    assert token.status == 403 and token.json()["code"] == "second_factor_not_enrolled"
    assert SettlementBatch.objects.get(pk=batch.pk).state == SettlementBatch.State.NOTICE_CLOSED

    # enrolment: the secret the phone would scan, its code, and the backup codes shown once
    assert page.get_by_test_id("otp-qr").locator("svg").count() == 1
    secret = page.get_by_test_id("otp-secret").inner_text().replace(" ", "")
    page.fill("input[name=otp]", totp_code(secret))
    page.click("[data-testid=otp-enrol] button[type=submit]")
    page.get_by_test_id("backup-codes").wait_for()
    assert page.get_by_test_id("backup-left").inner_text() == "10"

    # log out, then in again: password, then the authenticator's code
    logout(page)
    page.fill("input[name=username]", official.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/second-factor/verify/\?next="))
    page.fill("input[name=otp]", otp_code(official))
    page.click("[data-testid=otp-verify] button[type=submit]")
    page.wait_for_url(f"{url}/home/")

    # and now the sign button is there and signs
    page.goto(f"{url}/redemption/batches/{batch.pk}/")
    page.get_by_test_id("batch-sign").click()
    page.wait_for_selector("[data-testid=batch-state]:has-text('市经信局已签')")
    signed = SettlementBatch.objects.get(pk=batch.pk)
    assert signed.state == SettlementBatch.State.BUREAU_SIGNED and signed.bureau_signed_by_id == official.pk
