import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from hangqifu.accounts.roles import Role
from hangqifu.audit.models import AuditEvent
from hangqifu.audit.services import audit_record

pytestmark = pytest.mark.django_db


def _events(actor, n=3):
    return [audit_record(actor=actor, action=f"test.step{i}", obj=actor, payload={"i": i, "amount": "1.00"})
            for i in range(n)]


def test_events_chain_and_verify(make_user, capsys):
    actor = make_user(role=Role.SERVICE_CENTER)
    events = _events(actor)
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    call_command("verify_audit")
    assert "审计链完整" in capsys.readouterr().out


def test_verify_audit_detects_a_tampered_row(make_user):
    actor = make_user(role=Role.SERVICE_CENTER)
    events = _events(actor)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A superuser bypassing the trigger, as an attacker with database access would.
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("UPDATE audit_auditevent SET payload = '{\"i\": 99}' WHERE id = %s", [events[1].pk])
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    else:
        AuditEvent.objects.filter(pk=events[1].pk).update(payload={"i": 99})
    with pytest.raises(CommandError, match=f"#{events[1].pk}"):
        call_command("verify_audit")


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete(make_user):
    actor = make_user(role=Role.SERVICE_CENTER)
    event = _events(actor, 1)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.step0"


def test_chain_cannot_fork(make_user):
    actor = make_user(role=Role.SERVICE_CENTER)
    first = _events(actor, 2)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.create(prev_hash=first.prev_hash, hash="f" * 64, occurred_at=first.occurred_at,
                                  business_time=first.business_time, action="fork")
