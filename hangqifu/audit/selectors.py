"""Reads of the audit trail and of its chain checks. Every list is bounded (select_related)."""
from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from hangqifu.core.errors import InvalidInput

from .labels import actions_matching
from .models import AuditEvent, ChainCheck


def timeline_for(*, object_type: str, object_id: str):
    return (AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id))
            .select_related("organisation").order_by("id"))


def audit_event_search(*, actor: str = "", action: str = "", organisation=None, object_type: str = "",
                       object_id: str = "", since=None, until=None):
    """Staff search over the trail. `actor` is a username (exact, any case); `action` matches a code prefix
    ("sanction" finds sanction.impose and sanction.lift) or part of an action's Chinese name (抵扣 finds
    order.deduct; hangqifu/audit/labels.py); `organisation` an id or part of a name; `since` /
    `until` are business dates, both inclusive. Newest first, with the organisation joined."""
    check_date_range(since, until)
    queryset = AuditEvent.objects.select_related("organisation")
    if actor:
        queryset = queryset.filter(actor_username__iexact=actor.strip())
    if action:
        action = action.strip()
        queryset = queryset.filter(Q(action__startswith=action) | Q(action__in=actions_matching(action)))
    if organisation not in (None, ""):
        organisation = str(organisation).strip()
        if organisation.isdigit():
            queryset = queryset.filter(organisation_id=int(organisation))
        else:
            queryset = queryset.filter(organisation__name__icontains=organisation)
    if object_type:
        queryset = queryset.filter(object_type=object_type.strip().lower())
    if object_id:
        queryset = queryset.filter(object_id=str(object_id).strip())
    tz = timezone.get_current_timezone()
    if since:
        queryset = queryset.filter(business_time__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until:
        queryset = queryset.filter(business_time__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz))
    return queryset.order_by("-id")


REVERSED_RANGE = "起始日期不能晚于截止日期"


def check_date_range(since, until) -> None:
    if since and until and since > until:
        raise InvalidInput(REVERSED_RANGE, code="reversed_range", fields={"since": [REVERSED_RANGE]})


def chain_checkpoints() -> dict:
    """The chain heads the latest check verified ({} before the first check): what the next check must find."""
    return ChainCheck.objects.order_by("-id").values_list("heads", flat=True).first() or {}


def chain_check_last() -> ChainCheck | None:
    return ChainCheck.objects.select_related("checked_by").order_by("-id").first()
