"""Check 11 (fast part): the transactional outbox (hangqifu.core.outbox). A task enqueued after commit while
the broker is unreachable does not fail the user's action; it waits in the outbox and the relay sends it when
the broker is back — once. (`make reliability` runs the same with a real Redis stopped and restarted.)"""
import pytest
from kombu.exceptions import OperationalError

from hangqifu.core.models import OutboxMessage
from hangqifu.core.outbox import enqueue_after_commit, outbox_relay

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    """Publishing raises as kombu does when Redis refuses the connection; `up()` restores it."""
    from celery.app.task import Task

    real = Task.apply_async

    def refuse(self, *args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", refuse)
    return lambda: monkeypatch.setattr(Task, "apply_async", real)


def test_a_task_sent_while_the_broker_is_down_waits_and_is_sent_once_when_it_returns(broker_down,
                                                                                     django_capture_on_commit_callbacks):
    from hangqifu.core.models import WorkerHeartbeat
    from hangqifu.core.tasks import ping

    # given the broker is down when the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_after_commit(ping, "outbox-1")
    message = OutboxMessage.objects.get()
    assert message.sent_at is None and message.attempts == 1 and "Connection refused" in message.last_error
    assert not WorkerHeartbeat.objects.exists()
    # a relay while it is still down sends nothing
    assert outbox_relay() == {"sent": 0, "pending": 1}
    # when it is back, the relay sends it (eager in tests: the task runs), once
    broker_down()
    assert outbox_relay() == {"sent": 1, "pending": 0}
    assert outbox_relay() == {"sent": 0, "pending": 0}
    assert list(WorkerHeartbeat.objects.values_list("marker", flat=True)) == ["outbox-1"]


def test_with_the_broker_up_the_task_is_sent_at_commit(django_capture_on_commit_callbacks):
    from hangqifu.core.models import WorkerHeartbeat
    from hangqifu.core.tasks import ping

    with django_capture_on_commit_callbacks(execute=True):
        enqueue_after_commit(ping, "outbox-2")
    assert OutboxMessage.objects.get().sent_at is not None
    assert WorkerHeartbeat.objects.filter(marker="outbox-2").count() == 1


def test_a_rolled_back_action_leaves_no_message(django_capture_on_commit_callbacks):
    from django.db import transaction

    from hangqifu.core.tasks import ping

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            enqueue_after_commit(ping, "never")
            raise RuntimeError("the action failed")
    assert not OutboxMessage.objects.exists()


def test_closing_a_settlement_batch_with_the_broker_down_commits_and_collects_later(
        broker_down, set_clock, make_user, django_capture_on_commit_callbacks):
    from datetime import date

    from hangqifu.accounts.roles import Role
    from redemption.models import SettlementBatch
    from redemption.services import settlement as svc

    set_clock("2026-06-01T09:00:00+08:00")
    center = make_user(role=Role.SERVICE_CENTER)
    batch = svc.batch_open(actor=center, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31))
    # when the service center closes it while the broker is down
    with django_capture_on_commit_callbacks(execute=True):
        svc.batch_close(batch=batch, actor=center)
    # then the close stands and the collecting task waits in the outbox
    assert SettlementBatch.objects.get(pk=batch.pk).state == "collecting"
    assert OutboxMessage.objects.filter(task="redemption.collect_batch", sent_at__isnull=True).count() == 1
    # and the relay, once the broker is back, runs it
    broker_down()
    outbox_relay()
    assert SettlementBatch.objects.get(pk=batch.pk).state == "collected"
