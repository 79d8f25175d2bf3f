"""The test-clock panel in the portal header: staff set, advance and reset business time in the browser, and run
the jobs due; every move is audited with the time before and after."""
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hangqifu.accounts.roles import Role
from hangqifu.audit.models import AuditEvent
from hangqifu.core import clock

pytestmark = pytest.mark.django_db

SHANGHAI_9AM = datetime.fromisoformat("2027-03-01T09:00:00+08:00")


@pytest.fixture
def trainer(client, make_user):
    user = make_user(role=Role.SERVICE_CENTER)
    client.force_login(user)
    return user


def _post(client, **data):
    return client.post(reverse("test-clock"), {"next": "/home/", **data})


def _clock_events():
    return AuditEvent.objects.filter(action__startswith="clock.").order_by("id")


def test_the_panel_is_in_the_header_for_staff_who_may_move_the_clock(client, trainer):
    page = client.get("/home/").content.decode()
    assert 'data-testid="test-clock"' in page and 'name="op" value="reset"' in page


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.PROVIDER, Role.FINANCE_BUREAU, Role.DISTRICT])
def test_other_roles_see_the_time_but_not_the_panel_and_cannot_post(client, make_user, role):
    client.force_login(make_user(role=role))
    page = client.get("/home/").content.decode()
    assert 'data-testid="test-clock"' not in page and "业务时间" in page
    assert _post(client, op="day").status_code == 403
    assert not _clock_events().exists()


def test_without_the_test_clock_there_is_no_panel_and_no_endpoint(client, trainer, settings):
    settings.HANGQIFU_TEST_CLOCK = False
    assert 'data-testid="test-clock"' not in client.get("/home/").content.decode()
    assert _post(client, op="day").status_code == 404


def test_set_moves_business_time_and_is_audited(client, trainer):
    response = _post(client, op="set", when="2027-03-01T09:00")
    assert response.status_code == 302 and response.url == "/home/"
    assert abs(clock.now() - SHANGHAI_9AM) < timedelta(seconds=30)
    event = _clock_events().get()
    assert (event.action, event.actor) == ("clock.set", trainer)
    assert event.payload["to"].startswith("2027-03-01T09:00")
    assert "2027-03-01 09:0" in client.get("/home/").content.decode()


def test_advance_steps_forward_from_business_time(client, trainer, set_clock):
    set_clock("2027-03-01T09:00:00+08:00")
    _post(client, op="day")
    assert clock.today().isoformat() == "2027-03-02"
    _post(client, op="hour")
    assert clock.now().hour == 10 and clock.today().isoformat() == "2027-03-02"
    assert [e.payload["days"] for e in _clock_events()] == [1, 0]


def test_reset_returns_to_real_time_and_run_executes_the_due_jobs(client, trainer, set_clock):
    set_clock("2026-06-01T09:00:00+08:00")
    ran = client.post(reverse("test-clock"), {"op": "run", "next": "/home/"}, follow=True).content.decode()
    _post(client, op="reset")
    assert "已执行到期定时任务" in ran, ran
    run, reset = _clock_events()
    assert run.action == "clock.run_due_tasks" and run.payload["jobs"]
    assert reset.action == "clock.reset" and abs(clock.now() - timezone.now()) < timedelta(seconds=30)


def test_a_bad_time_is_a_chinese_message_and_nothing_moves(client, trainer):
    response = client.post(reverse("test-clock"), {"op": "set", "when": "明天", "next": "/home/"}, follow=True)
    assert "请输入有效的日期和时间" in response.content.decode()
    assert not _clock_events().exists()


def test_next_never_leaves_the_site(client, trainer):
    response = client.post(reverse("test-clock"), {"op": "day", "next": "https://evil.example/"})
    assert response.url == "/home/"


def test_the_api_moves_are_audited_too(api_as, make_user):
    client = api_as(make_user(role=Role.BUREAU))
    client.post(reverse("api:test-clock"), {"now": "2027-03-01T09:00:00+08:00", "frozen": True}, format="json")
    client.delete(reverse("api:test-clock"))
    assert [e.action for e in _clock_events()] == ["clock.set", "clock.reset"]
