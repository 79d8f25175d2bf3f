import importlib
import os
from datetime import datetime
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from hangqifu.accounts.roles import Role
from hangqifu.core import clock, jobs


def test_clock_moves_business_time(api_as, bureau):
    # when
    response = api_as(bureau).post(reverse("api:test-clock"), {"now": "2027-03-01T09:00:00+08:00", "frozen": True},
                                   format="json")
    # then
    assert response.status_code == 200
    assert clock.today().isoformat() == "2027-03-01"
    assert clock.now() == datetime.fromisoformat("2027-03-01T09:00:00+08:00")
    assert response.json()["now"] == "2027-03-01T09:00:00+08:00"


def test_clock_ticks_on_unless_frozen(bureau):
    clock.set_test_clock(datetime.fromisoformat("2027-03-01T09:00:00+08:00"))
    first = clock.now()
    assert first >= datetime.fromisoformat("2027-03-01T09:00:00+08:00")
    assert (first - datetime.fromisoformat("2027-03-01T09:00:00+08:00")).total_seconds() < 5


def test_only_staff_may_set_the_clock(api_as, make_user):
    response = api_as(make_user(role=Role.ENTERPRISE)).post(
        reverse("api:test-clock"), {"now": "2027-03-01T09:00:00+08:00"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_clock_is_404_when_not_allowed(api_as, bureau, settings):
    settings.TEST_CLOCK_ALLOWED = False
    client = api_as(bureau)
    assert client.post(reverse("api:test-clock"), {"now": "2027-03-01T09:00:00+08:00"}, format="json").status_code == 404
    assert client.post(reverse("api:test-clock-run-due-tasks")).status_code == 404
    assert clock.now().year == timezone.now().year


def test_production_settings_never_allow_the_clock():
    env = {"DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "example.gov.cn", "HANGQIFU_TEST_CLOCK": "1"}
    with mock.patch.dict(os.environ, env):
        production = importlib.import_module("hangqifu.settings.production")
        production = importlib.reload(production)
    assert production.TEST_CLOCK_ALLOWED is False
    assert production.HANGQIFU_TEST_CLOCK is False
    assert production.DEBUG is False


def test_run_due_tasks_runs_registered_jobs(api_as, bureau):
    calls = []
    jobs.periodic_job("test.probe")(lambda: calls.append(clock.today()) or "ran")
    try:
        response = api_as(bureau).post(reverse("api:test-clock-run-due-tasks"))
    finally:
        jobs._JOBS.pop("test.probe")
    assert response.status_code == 200
    assert response.json()["results"]["test.probe"] == "ran"
    assert calls == [clock.today()]
