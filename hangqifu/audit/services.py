import json
from collections import defaultdict

from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from hangqifu.core import clock
from hangqifu.core.client_ip import clean_ip
from hangqifu.core.context import current_ip
from hangqifu.core.rows import RowWriter

from .chain import chain_for, event_digest
from .models import AuditEvent
from .statements import chain_heads

_BATCH = 2000  # events per INSERT


_PLAIN = (str, int, bool, type(None))  # JSON reads them back as they are


def _jsonable(payload: dict | None) -> dict:
    """The payload as it will read back from the JSON column (dates, decimals … as strings), which the digest is
    computed over. A flat payload of plain values already is that (the common case of a bulk step)."""
    if not payload:
        return {}
    if all(type(key) is str and type(value) in _PLAIN for key, value in payload.items()):
        return dict(payload)
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False))


def _organisation_id(source) -> int | None:
    """The id of `source.organisation`, read from the foreign key column when it is one (no query)."""
    if source is None:
        return None
    try:
        field = source._meta.get_field("organisation")
    except (AttributeError, FieldDoesNotExist):
        field = None
    if field is not None and field.many_to_one:
        return getattr(source, field.attname)
    return getattr(getattr(source, "organisation", None), "pk", None)


def _fields(*, occurred_at, business_time, ip, actor=None, action: str, obj=None, from_state: str = "",
            to_state: str = "", payload: dict | None = None, organisation=None) -> dict:
    """The event's columns. Its organisation: the one given, else the object's, else the actor's."""
    if organisation is not None:
        organisation_id = getattr(organisation, "pk", None)
    else:
        organisation_id = _organisation_id(obj)
        if organisation_id is None:
            organisation_id = _organisation_id(actor)
    return {
        "occurred_at": occurred_at,
        "business_time": business_time,
        "actor_id": getattr(actor, "pk", None),
        "actor_username": getattr(actor, "username", "") or "",
        "organisation_id": organisation_id,
        "action": action,
        "object_type": obj._meta.model_name if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
        "from_state": from_state or "",
        "to_state": to_state or "",
        "payload": _jsonable(payload),
        "ip": ip,
    }


def _request_ip() -> str | None:
    """The current request's client address as stored and digested (None outside a request, or when the address
    is missing or not one): the same for one append and for many."""
    return clean_ip(current_ip.get())


def _event(chain: int, prev: str, fields: dict) -> AuditEvent:
    digest_fields = {k: v for k, v in fields.items() if k != "actor_username"}
    return AuditEvent(chain=chain, prev_hash=prev, hash=event_digest(prev_hash=prev, chain=chain, **digest_fields),
                      **fields)


def audit_record(*, actor=None, action: str, obj=None, from_state: str = "", to_state: str = "",
                 payload: dict | None = None, organisation=None) -> AuditEvent:
    """Append one event to the audit trail, inside the caller's transaction (its own when there is none).
    Only the event's chain (chain_for its organisation) is locked, until COMMIT; other chains go on."""
    fields = _fields(occurred_at=timezone.now(), business_time=clock.now(), ip=_request_ip(), actor=actor,
                     action=action, obj=obj, from_state=from_state, to_state=to_state, payload=payload,
                     organisation=organisation)
    wanted = chain_for(fields["organisation_id"])
    with transaction.atomic(savepoint=False):
        chain, prev = chain_heads([wanted])[wanted]
        event = _event(chain, prev, fields)
        event.save(force_insert=True)
        return event


_COLUMNS = ("occurred_at", "business_time", "actor_id", "actor_username", "organisation_id", "action", "object_type",
            "object_id", "from_state", "to_state", "payload", "ip", "chain", "prev_hash", "hash")


def audit_record_many(events: list[dict]) -> int:
    """Append many events (each a dict of audit_record's keyword arguments) in the caller's transaction; returns
    how many. The same rows as calling audit_record for each, chain by chain in ascending chain order and within
    a chain in the given order (one clock reading for all): the chains touched are locked together, ascending,
    with one round trip that also reads their heads; each digest is chained to the one before it here, and the
    rows are written by the core's RowWriter (COPY on PostgreSQL, multi-row INSERTs on SQLite), which passes by
    Django's query wrappers: query-count assertions do not see these writes."""
    if not events:
        return 0
    occurred_at, business_time, ip = timezone.now(), clock.now(), _request_ip()
    by_chain = defaultdict(list)
    for kwargs in events:
        fields = _fields(occurred_at=occurred_at, business_time=business_time, ip=ip, **kwargs)
        by_chain[chain_for(fields["organisation_id"])].append(fields)
    with transaction.atomic(savepoint=False), RowWriter(AuditEvent, _COLUMNS, chunk=_BATCH) as rows:
        heads = chain_heads(by_chain)
        prev_of = {}  # a chain's running head (two wanted chains can share one chain, see chain_heads)
        for wanted in sorted(by_chain):
            chain, prev = heads[wanted]
            prev = prev_of.get(chain, prev)
            for fields in by_chain.pop(wanted):
                digest_fields = {k: v for k, v in fields.items() if k != "actor_username"}
                digest = event_digest(prev_hash=prev, chain=chain, **digest_fields)
                rows.add((*(fields[name] for name in _COLUMNS[:12]), chain, prev, digest))
                prev = digest
            prev_of[chain] = prev
    return len(events)
