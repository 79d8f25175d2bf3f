"""Reads for registrations, qualifications and change reports, always scoped to what the user may see."""
from django.db.models import QuerySet
from django_fsm import has_transition_perm

from hangqifu.accounts.predicates import is_buyer, is_staff
from hangqifu.audit.models import AuditEvent
from hangqifu.core import clock

from ..models import ChangeReport, Qualification, RegistrationApplication


def scoped_to(queryset: QuerySet, *, user) -> QuerySet:
    """Rows of an organisation-owned model the user may see: all for supervising staff (signed in with the
    second factor), the own organisation's for enterprises and parks, none for anyone else."""
    if is_staff(user):
        return queryset
    if is_buyer(user):
        return queryset.filter(organisation_id=user.organisation_id)
    return queryset.none()


def visible_registrations(*, user) -> QuerySet[RegistrationApplication]:
    return scoped_to(RegistrationApplication.objects.select_related("organisation"), user=user)


def registration_list(*, user, filters: dict | None = None) -> QuerySet[RegistrationApplication]:
    """Filters: state, year, kind, purpose, district, sector, tier (claimed), overdue (true = waiting past
    its review deadline)."""
    filters = filters or {}
    queryset = visible_registrations(user=user)
    for name in ("state", "year", "kind", "purpose", "district", "sector"):
        if filters.get(name):
            queryset = queryset.filter(**{name: filters[name]})
    if filters.get("tier"):
        queryset = queryset.filter(claimed_tier=filters["tier"])
    if str(filters.get("overdue", "")).lower() in ("1", "true", "yes"):
        queryset = overdue_registrations(queryset)
    return queryset.order_by("-id")


WAITING_STATES = (RegistrationApplication.State.SUBMITTED, RegistrationApplication.State.PRE_REVIEWED)


def overdue_registrations(queryset=None):
    queryset = RegistrationApplication.objects.all() if queryset is None else queryset
    return queryset.filter(state__in=WAITING_STATES, review_due_on__lt=clock.today())


def registration_get(*, user, pk) -> RegistrationApplication | None:
    return visible_registrations(user=user).filter(pk=pk).first()


# API action name → transition method name
ACTIONS = {"submit": "submit", "pre-review": "pre_review", "approve": "approve", "return": "return_for_correction",
           "reject": "reject"}


def available_actions(registration: RegistrationApplication, user) -> list[str]:
    return [name for name, method in ACTIONS.items() if has_transition_perm(getattr(registration, method), user)]


def registration_timeline(registration: RegistrationApplication) -> QuerySet[AuditEvent]:
    """Every audit event of the application, oldest first (status page timeline)."""
    return AuditEvent.objects.filter(object_type=registration._meta.model_name,
                                     object_id=str(registration.pk)).order_by("id")


# --- qualifications ---------------------------------------------------------------------------------

def visible_qualifications(*, user) -> QuerySet[Qualification]:
    return scoped_to(Qualification.objects.select_related("organisation"), user=user)


def qualification_list(*, user, year=None, state=None, tier=None) -> QuerySet[Qualification]:
    queryset = visible_qualifications(user=user)
    if year:
        queryset = queryset.filter(year=year)
    if state:
        queryset = queryset.filter(state=state)
    if tier:
        queryset = queryset.filter(tier=tier)
    return queryset.order_by("-year", "organisation_id")


# --- change reports ---------------------------------------------------------------------------------

def visible_change_reports(*, user) -> QuerySet[ChangeReport]:
    return scoped_to(ChangeReport.objects.select_related("organisation", "qualification"), user=user)


def change_report_list(*, user, late=None, state=None) -> QuerySet[ChangeReport]:
    queryset = visible_change_reports(user=user)
    if late is not None:
        queryset = queryset.filter(is_late=late)
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("-id")
