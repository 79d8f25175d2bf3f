"""hangqifu.W001: a web node warns at start-up when its gunicorn workers do not exceed the claims let in flight by
two, the workers that answer the claim rush's excess at once."""
import pytest
from django.core.checks import run_checks

from hangqifu.core.checks import claim_door_workers


@pytest.mark.parametrize(("environ", "warned"), [
    ({"WEB_CONCURRENCY": "6"}, False),
    ({"WEB_CONCURRENCY": "5"}, True),
    ({}, True),  # gunicorn's default: one worker
    ({"WEB_CONCURRENCY": "eight"}, True),
    ({"WEB_CONCURRENCY": "3", "GUNICORN_CMD_ARGS": "--bind 0.0.0.0:8000 --workers 6"}, False),  # gunicorn's order
    ({"WEB_CONCURRENCY": "8", "GUNICORN_CMD_ARGS": "-w 4 --timeout 60"}, True),
    ({"GUNICORN_CMD_ARGS": "--workers=6"}, False),
    ({"GUNICORN_CMD_ARGS": "-w6", "WEB_CONCURRENCY": "3"}, False),
    ({"GUNICORN_CMD_ARGS": "--timeout 60", "WEB_CONCURRENCY": "6"}, False),
])
def test_a_node_with_fewer_than_two_workers_beyond_the_claims_in_flight_is_warned(settings, environ, warned):
    settings.CLAIM_IN_FLIGHT_LIMIT = 4
    found = claim_door_workers(environ=environ)
    assert [message.id for message in found] == (["hangqifu.W001"] if warned else [])


def test_the_warning_names_the_counts_and_the_fix(settings):
    settings.CLAIM_IN_FLIGHT_LIMIT = 4
    (warning,) = claim_door_workers(environ={"WEB_CONCURRENCY": "5"})
    assert "5 gunicorn workers for HANGQIFU_CLAIM_IN_FLIGHT=4" in warning.msg
    assert "at least 6" in warning.hint
    (unreadable,) = claim_door_workers(environ={"WEB_CONCURRENCY": "many"})
    assert unreadable.msg.startswith("unreadable gunicorn workers")


def test_without_admission_control_any_worker_count_is_fine(settings):
    settings.CLAIM_IN_FLIGHT_LIMIT = 0
    assert claim_door_workers(environ={}) == []


def test_the_check_runs_with_every_command(settings, monkeypatch):
    settings.CLAIM_IN_FLIGHT_LIMIT = 4
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    assert "hangqifu.W001" in [message.id for message in run_checks()]
    monkeypatch.setenv("WEB_CONCURRENCY", "6")
    assert "hangqifu.W001" not in [message.id for message in run_checks()]
