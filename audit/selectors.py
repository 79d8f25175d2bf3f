"""Reads for supervision: sanctions, complaints, the audit trail. Every list is bounded (select_related)."""
from hangqifu.core import clock

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
    from django.db.models import Count, Q

    return Complaint.objects.aggregate(
        received=Count("pk", filter=Q(state=Complaint.State.RECEIVED)),
        mine=Count("pk", filter=Q(state=Complaint.State.INVESTIGATING, handler=user)),
        overdue=Count("pk", filter=Q(state__in=Complaint.OPEN_STATES, due_on__lt=clock.today())),
    )
