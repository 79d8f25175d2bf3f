"""Transactional outbox for Celery tasks that must not be lost when the broker is down.

`enqueue_after_commit(task, *args)` writes an OutboxMessage inside the caller's transaction and, once it
commits, sends the task and marks the message sent. If the broker cannot be reached the user's action stays
committed and answers normally; the message waits and `outbox_relay()` (periodic job `core.outbox_relay`,
every beat tick) sends what is pending once the broker is back. Delivery is at least once (a crash between
sending and marking sends again): the tasks that use it are idempotent."""
import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError

from .models import OutboxMessage

logger = logging.getLogger(__name__)
BROKER_ERRORS = (OperationalError, ConnectionError, TimeoutError)
# Publishing gives up quickly: the outbox, not the user's request, waits for the broker.
RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def enqueue_after_commit(task, *args) -> OutboxMessage:
    message = OutboxMessage.objects.create(task=task.name, args=list(args))
    transaction.on_commit(lambda: send(message.pk))
    return message


def send(pk: int) -> bool:
    """Send one pending message; True when it was sent now."""
    from celery import current_app

    message = OutboxMessage.objects.filter(pk=pk, sent_at__isnull=True).first()
    if message is None:
        return False
    try:
        current_app.tasks[message.task].apply_async(args=message.args, retry=True, retry_policy=RETRY_POLICY)
    except BROKER_ERRORS as exc:
        OutboxMessage.objects.filter(pk=pk).update(attempts=F("attempts") + 1, last_error=str(exc)[:300])
        logger.warning("broker unavailable, task %s%s kept in the outbox: %s", message.task, message.args, exc)
        return False
    OutboxMessage.objects.filter(pk=pk, sent_at__isnull=True).update(sent_at=timezone.now())
    return True


def outbox_relay(limit: int = 500) -> dict:
    """Send pending messages, oldest first; stop at the first broker failure (it is still down)."""
    sent = 0
    pending = list(OutboxMessage.objects.filter(sent_at__isnull=True).order_by("id").values_list("pk", flat=True)
                   [:limit])
    for pk in pending:
        if not send(pk):
            if OutboxMessage.objects.filter(pk=pk, sent_at__isnull=True).exists():
                break
            continue
        sent += 1
    return {"sent": sent, "pending": OutboxMessage.objects.filter(sent_at__isnull=True).count()}
