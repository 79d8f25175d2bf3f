"""notify(): the one way to tell users something — an inbox entry for each, and an email after commit."""
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone

from .models import Notification


def recipients(*, users: Iterable | None = None, organisation=None, roles: Iterable[str] | None = None) -> list:
    User = get_user_model()
    found = {u.pk: u for u in (users or [])}
    if organisation is not None:
        found.update({u.pk: u for u in User.objects.filter(organisation=organisation, is_active=True)})
    if roles:
        found.update({u.pk: u for u in User.objects.filter(role__in=list(roles), is_active=True)})
    return list(found.values())


def active_users_by_organisation(organisation_ids) -> dict[int, list]:
    """{organisation id: the users notify(organisation=…) reaches}, for many organisations in a few queries."""
    User = get_user_model()
    ids, found = list(organisation_ids), {}
    for start in range(0, len(ids), 2000):
        for user in User.objects.filter(organisation_id__in=ids[start:start + 2000], is_active=True).order_by("id"):
            found.setdefault(user.organisation_id, []).append(user)
    return found


def notify(*, subject: str, body: str = "", url: str = "", users: Iterable | None = None, organisation=None,
           roles: Iterable[str] | None = None) -> list[Notification]:
    targets = recipients(users=users, organisation=organisation, roles=roles)
    created = Notification.objects.bulk_create(
        [Notification(user=user, subject=subject, body=body, url=url) for user in targets]
    )
    emails = [(f"【杭企服】{subject}", body or subject, settings.DEFAULT_FROM_EMAIL, [u.email])
              for u in targets if u.email]
    if emails:
        transaction.on_commit(lambda: send_mass_mail(emails, fail_silently=True))
    return created


def mark_read(*, user, notification_id: int | None = None) -> int:
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        queryset = queryset.filter(pk=notification_id)
    return queryset.update(read_at=timezone.now())
