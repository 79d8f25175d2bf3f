"""Reads for sanctions and credit records. Every list is bounded (select_related)."""
from .models import CreditRecord, Sanction


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
