"""Reads for supervision: sanctions, complaints, the audit trail. Every list is bounded (select_related)."""
from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput

from .labels import actions_matching
from .models import AuditEvent, Complaint, CreditRecord, Sanction
from .permissions import is_staff_user


def sanction_list(*, organisation_id=None, state: str | None = None):
    queryset = Sanction.objects.select_related("organisation", "decided_by", "lifted_by")
    if organisation_id:
        queryset = queryset.filter(organisation_id=organisation_id)
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("-id")


def sanctions_of(*, organisation):
    return sanction_list(organisation_id=getattr(organisation, "pk", None) or -1)


def credit_records_of(*, organisation):
    return CreditRecord.objects.filter(organisation=organisation).select_related("sanction").order_by("-id")


def timeline_for(*, object_type: str, object_id: str):
    return (AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id))
            .select_related("organisation").order_by("id"))


def complaint_list(*, state: str | None = None, overdue: bool = False, handler=None, today=None):
    queryset = Complaint.objects.select_related("handler", "complainant")
    if state:
        queryset = queryset.filter(state=state)
    if overdue:
        queryset = queryset.filter(state__in=Complaint.OPEN_STATES, due_on__lt=today or clock.today())
    if handler is not None:
        queryset = queryset.filter(handler=handler)
    return queryset.order_by("-id")


def complaints_of(*, user):
    return Complaint.objects.filter(complainant=user).select_related("handler").order_by("-id")


def complaint_for(*, user, pk):
    """The complaint if `user` may read it (staff: all; others: their own), else None."""
    queryset = Complaint.objects.select_related("handler", "complainant")
    if not is_staff_user(user):
        queryset = queryset.filter(complainant=user)
    return queryset.filter(pk=pk).first()


def complaint_counts(*, user) -> dict[str, int]:
    """Pending work of a service-center user, in one query."""
    return Complaint.objects.aggregate(
        received=Count("pk", filter=Q(state=Complaint.State.RECEIVED)),
        mine=Count("pk", filter=Q(state=Complaint.State.INVESTIGATING, handler=user)),
        overdue=Count("pk", filter=Q(state__in=Complaint.OPEN_STATES, due_on__lt=clock.today())),
    )


def audit_event_search(*, actor: str = "", action: str = "", organisation=None, object_type: str = "",
                       object_id: str = "", since=None, until=None):
    """Staff search over the trail. `actor` is a username (exact, any case); `action` matches a code prefix
    ("sanction" finds sanction.impose and sanction.lift) or part of an action's Chinese name (抵扣 finds
    order.deduct; audit/labels.py); `organisation` an id or part of a name; `since` /
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
