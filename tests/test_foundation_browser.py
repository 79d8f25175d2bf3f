"""Every demo role logs in through the real login page in headless Chromium and lands on its home page."""
import pytest
from django.core.management import call_command

from hangqifu.accounts.demo import DEMO_ACCOUNTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_data():
    call_command("seed_demo", verbosity=0)


@pytest.mark.parametrize("username,role", [(u, r) for u, r, _ in DEMO_ACCOUNTS])
def test_each_demo_role_logs_in_and_sees_its_home(demo_data, login, username, role):
    # when
    page = login(username)
    # then
    assert page.locator("h1").inner_text() == f"{role.label}工作台"
    assert page.get_by_test_id("pending-work").is_visible()
    assert username in page.locator(".who").inner_text()


def test_wrong_password_shows_a_chinese_error(demo_data, live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "demo-enterprise")
    page.fill("input[name=password]", "wrong-password-1")
    page.click("button[type=submit]")
    assert "请输入一个正确的" in page.locator(".errors").inner_text()
