"""Reads for complaints. Every list is bounded (select_related)."""
from django.db.models import Count, Q

from hangqifu.accounts.predicates import is_staff
from hangqifu.core import clock

from .models import Complaint


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
    if not is_staff(user):
        queryset = queryset.filter(complainant=user)
    return queryset.filter(pk=pk).first()


def complaint_counts(*, user) -> dict[str, int]:
    """Pending work of a service-center user, in one query."""
    return Complaint.objects.aggregate(
        received=Count("pk", filter=Q(state=Complaint.State.RECEIVED)),
        mine=Count("pk", filter=Q(state=Complaint.State.INVESTIGATING, handler=user)),
        overdue=Count("pk", filter=Q(state__in=Complaint.OPEN_STATES, due_on__lt=clock.today())),
    )
