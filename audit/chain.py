"""The hash chain of the audit trail."""
import hashlib
import json
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder

GENESIS = "0" * 64


def event_digest(*, prev_hash: str, occurred_at, business_time, actor_id, organisation_id, action, object_type,
                 object_id, from_state, to_state, payload, ip) -> str:
    canonical = json.dumps(
        [prev_hash, occurred_at.astimezone(UTC).isoformat(), business_time.astimezone(UTC).isoformat(), actor_id, organisation_id, action,
         object_type, str(object_id), from_state, to_state, payload, ip],
        cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def digest_of(event) -> str:
    return event_digest(
        prev_hash=event.prev_hash, occurred_at=event.occurred_at, business_time=event.business_time,
        actor_id=event.actor_id, organisation_id=event.organisation_id, action=event.action,
        object_type=event.object_type, object_id=event.object_id, from_state=event.from_state,
        to_state=event.to_state, payload=event.payload, ip=event.ip,
    )


def verify_chain(queryset) -> tuple[int, int | None]:
    """(events checked, id of the first event that does not verify or None)."""
    expected_prev = GENESIS
    checked = 0
    for event in queryset.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != expected_prev or digest_of(event) != event.hash:
            return checked, event.pk
        expected_prev = event.hash
        checked += 1
    return checked, None
