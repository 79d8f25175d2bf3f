import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from hangqifu.core import clock
from hangqifu.core.context import current_ip

from .chain import GENESIS, event_digest
from .models import AuditEvent

# Serialises appends to the chain on PostgreSQL for the rest of the writing transaction.
_CHAIN_LOCK_KEY = 7_152_026


def _jsonable(payload: dict | None) -> dict:
    return json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


def audit_record(*, actor=None, action: str, obj=None, from_state: str = "", to_state: str = "",
                 payload: dict | None = None, organisation=None) -> AuditEvent:
    """Append one event to the audit trail, inside the caller's transaction."""
    if organisation is None:
        organisation = getattr(obj, "organisation", None) or getattr(actor, "organisation", None)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        prev = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS
        fields = {
            "occurred_at": timezone.now(),
            "business_time": clock.now(),
            "actor_id": getattr(actor, "pk", None),
            "organisation_id": getattr(organisation, "pk", None),
            "action": action,
            "object_type": obj._meta.model_name if obj is not None else "",
            "object_id": str(obj.pk) if obj is not None else "",
            "from_state": from_state or "",
            "to_state": to_state or "",
            "payload": _jsonable(payload),
            "ip": current_ip.get(),
        }
        digest = event_digest(prev_hash=prev, **fields)
        return AuditEvent.objects.create(prev_hash=prev, hash=digest,
                                         actor_username=getattr(actor, "username", "") or "", **fields)
