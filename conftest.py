"""Fixtures shared by every test package: users per role, API clients, the test clock, PostgreSQL-only
markers, a real Celery worker, and Playwright on Debian's Chromium."""
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import user_fixture

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the test are still
# synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

NO_SKIP = os.environ.get("HANGQIFU_NO_SKIP") == "1"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def _is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    broker = os.environ.get("CELERY_BROKER_URL", "")
    for item in items:
        if item.get_closest_marker("postgres") and not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
            reason = "需要 PostgreSQL（行锁/触发器/真实并发）：设置 DATABASE_URL 后运行"
            item.add_marker(pytest.mark.skip(reason=reason))
        if item.get_closest_marker("redis") and not (broker.startswith("redis") or os.environ.get("REDIS_URL")):
            item.add_marker(pytest.mark.skip(reason="需要 Redis：设置 REDIS_URL 或 CELERY_BROKER_URL 后运行"))
        if item.get_closest_marker("worker") and not broker.startswith("redis"):
            item.add_marker(pytest.mark.skip(reason="需要 Redis 与真实 Celery worker：设置 CELERY_BROKER_URL 后运行"))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = terminalreporter.stats.get("skipped", [])
    if NO_SKIP and skipped:
        terminalreporter.write_line(f"CI 不允许跳过测试，但跳过了 {len(skipped)} 个", red=True)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if NO_SKIP and reporter is not None and reporter.stats.get("skipped") and session.exitstatus == 0:
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests (live_server, transaction=True) start on truncated tables: put back what the data
    migrations seed, as a fresh `migrate` would have it."""
    marker = request.node.get_closest_marker("django_db")
    transactional = ("transactional_db" in request.fixturenames or "live_server" in request.fixturenames
                     or bool(marker and marker.kwargs.get("transaction")))
    if transactional:
        request.getfixturevalue("transactional_db")
        from hangqifu.core.reference_data import reseed

        reseed()


@pytest.fixture(autouse=True)
def _reset_test_clock():
    from hangqifu.core import clock

    clock.reset_test_clock()
    yield
    clock.reset_test_clock()


@pytest.fixture
def set_clock():
    """set_clock("2026-06-01T09:00:00+08:00") freezes business time there."""
    from django.utils.dateparse import parse_datetime

    from hangqifu.core import clock

    def _set(value):
        when = parse_datetime(value) if isinstance(value, str) else value
        clock.set_test_clock(when, frozen=True)
        return when

    return _set


@pytest.fixture
def policy_day(set_clock):
    """Business time frozen on 1 June 2026, 09:00, a working morning of the 2026 policy year, whose parameters
    are in place (a transactional test starts on emptied tables)."""
    from hangqifu.policy.models import PolicyYear  # a model: importable once pytest-django has set Django up

    PolicyYear.objects.get_or_create(year=2026)
    return set_clock("2026-06-01T09:00:00+08:00")


@pytest.fixture
def make_user(db):
    from hangqifu.accounts.tests.factories import UserFactory

    return UserFactory


# A user of each staff role and an enterprise user, for the tests of every app.
center = user_fixture(Role.SERVICE_CENTER)
bureau = user_fixture(Role.BUREAU)
finance = user_fixture(Role.FINANCE_BUREAU)
enterprise_user = user_fixture(Role.ENTERPRISE)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def api_as(db):
    """api_as(user) → an APIClient authenticated as that user (token auth, as integrators use it). A user with
    an authenticator (every staff factory user) gets a token issued after the second factor, as
    `auth/token/` with `otp` would issue it."""
    from rest_framework.test import APIClient

    from hangqifu.accounts.models import ApiToken
    from hangqifu.accounts.second_factor_rule import has_second_factor
    from hangqifu.accounts.tokens import password_stamp

    def _client(user):
        client = APIClient()
        # a client that already holds its token: issued (and audited) before the test
        _, key = ApiToken.objects.create(user=user, second_factor=has_second_factor(user),
                                         password_stamp=password_stamp(user))
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return _client


@pytest.fixture(autouse=True)
def _force_login_completes_second_factor(monkeypatch):
    """Test clients' force_login stands for a finished sign-in: for an account with an authenticator that
    includes the second factor (the session holds the verified device, as after the code page). Tests of
    the sign-in itself go through the login and code pages."""
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from hangqifu.accounts.middleware import LAST_SEEN_SESSION_KEY

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        session = self.session
        session[LAST_SEEN_SESSION_KEY] = int(time.time())  # as the sign-in pages leave it
        if device is not None:
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


# --- a real Celery worker (CI: Redis) -------------------------------------------------------------------

@pytest.fixture
def celery_worker_process(transactional_db, settings):
    """Start `celery worker` in a subprocess on its own queue, pointed at this test's database.
    Yields (queue, stop) — stop() kills the worker (tests of crash safety call it with SIGKILL)."""
    from django.db import connection

    from hangqifu.celery import app

    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{connection.settings_dict['NAME']}"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "hangqifu.settings.test",
           "CELERY_TASK_DEFAULT_QUEUE": queue,
           "HANGQIFU_TEST_CACHE_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", "")}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hangqifu", "worker", "-P", "solo", "-Q", queue, "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=env, cwd=Path(__file__).parent,
    )
    default_queue = app.conf.task_default_queue
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue

    def stop(signal_number=15):
        if process.poll() is None:
            process.send_signal(signal_number)
            process.wait(timeout=30)

    try:
        yield queue, stop
    finally:
        stop()
        app.conf.task_always_eager = True
        app.conf.task_default_queue = default_queue  # later tests in this process read the configured queue


def wait_until(predicate, timeout=30.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


# --- Playwright on Debian's Chromium ---------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def page(page, request):
    """pytest-playwright's page, watched with every page of its context (popups, pages the test opens): every
    main-frame document they show gets the raw-code scan (as loaded and as left), and each (path with its query's
    parameter names, viewport width) axe-core (serious/critical) on a replay of what was seen — see PageWatch in
    tests/page_checks.py. The test fails at teardown listing each page and what was found there, and any document
    that was never checked. HANGQIFU_PAGE_CHECK_LOG=<file> appends a line per scanned document ("scan"), per axe run
    ("axe") and the count of unchecked documents ("unchecked") of each test."""
    from tests.page_checks import PageWatch

    log_path = os.environ.get("HANGQIFU_PAGE_CHECK_LOG")

    def log(kind, width, path):
        with open(log_path, "a", encoding="utf-8") as out:
            out.write(f"{kind}\t{width}\t{path}\t{request.node.nodeid}\n")

    page.page_watch = watch = PageWatch(page, log if log_path else None)
    yield page
    failures = watch.finish()
    if failures:
        pytest.fail("pages with accessibility violations or raw codes:\n" + "\n".join(failures), pytrace=False)


@pytest.fixture
def login(live_server, page):
    """login(username) signs in through the login page with the demo password and returns the page."""
    from hangqifu.core.demo import DEMO_PASSWORD

    def _login(username, password=DEMO_PASSWORD):
        from hangqifu.accounts.models import User
        from hangqifu.accounts.tests.factories import otp_code

        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/(home|accounts/second-factor/verify)/"))
        if "/accounts/second-factor/verify/" in page.url:  # staff: the authenticator's code
            page.fill("input[name=otp]", otp_code(User.objects.get(username=username)))
            page.click("form[data-testid=otp-verify] button[type=submit]")
        page.wait_for_url(f"{live_server.url}/home/")
        return page

    return _login


@pytest.fixture
def axe_check():
    """axe_check(page): no serious or critical axe-core violation, no sideways scrolling and no raw code or
    English state id on the current page (tests/page_checks.py)."""
    from tests.page_checks import check_page

    return check_page


@pytest.fixture
def primary_action():
    """primary_action(page, locator): axe_check, and the action reachable without scrolling sideways."""
    from tests.page_checks import assert_primary_action

    return assert_primary_action


@pytest.fixture
def click_nav():
    """click_nav(page, "兑付申请") follows a menu entry: the menu is grouped in disclosures (and behind the ☰
    toggle on a phone), so open what hides the entry first."""
    import re

    def _click(page, title):
        toggle = page.locator("[data-toggle-nav]")
        if toggle.is_visible() and not page.locator("#main-nav").is_visible():
            toggle.click()
        link = page.locator("#main-nav a").filter(has_text=re.compile(rf"^\s*{re.escape(title)}\s*$")).first
        link.evaluate("el => { const group = el.closest('details'); if (group) group.open = true; }")
        link.click()

    return _click
