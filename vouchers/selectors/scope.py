"""Who reads which money rows, and the list filters every list of them takes."""
from django.db.models import QuerySet

from .. import permissions as perms


def visible_to(user, queryset: QuerySet, *, buyer: str, provider: str | None = None) -> QuerySet:
    """The rows of `queryset` that `user` reads: staff every row; a buyer (enterprise, park) the rows whose
    `buyer` field is its organisation; a provider those whose `provider` field is, where the rows have one;
    anyone else none."""
    if perms.is_staff(user):
        return queryset
    if perms.is_buyer(user):
        return queryset.filter(**{buyer: user.organisation_id})
    if provider and perms.is_provider(user):
        return queryset.filter(**{provider: user.organisation_id})
    return queryset.none()


def narrowed(queryset: QuerySet, *, state: str | None = None, year=None, category: str | None = None) -> QuerySet:
    """A list's filters as a page or the API passes them: each one given narrows it; a year that is not a
    number is ignored."""
    if state:
        queryset = queryset.filter(state=state)
    if year and str(year).isdigit():
        queryset = queryset.filter(year=int(year))
    if category:
        queryset = queryset.filter(category=category)
    return queryset
