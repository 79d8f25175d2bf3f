"""notify(): the one way to tell users something — an inbox entry for each, and an email after commit;
notify_many(): the same for many organisations at once, each told its own message."""
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.utils import timezone

from hangqifu.core.rows import CHUNK, chunk_size

from .models import Notification


def recipients(*, users: Iterable | None = None, organisation=None, roles: Iterable[str] | None = None) -> list:
    User = get_user_model()
    found = {u.pk: u for u in (users or [])}
    if organisation is not None:
        found.update({u.pk: u for u in User.objects.filter(organisation=organisation, is_active=True)})
    if roles:
        found.update({u.pk: u for u in User.objects.filter(role__in=list(roles), is_active=True)})
    return [found[pk] for pk in sorted(found)]


def notify(*, subject: str, body: str = "", url: str = "", users: Iterable | None = None, organisation=None,
           roles: Iterable[str] | None = None) -> list[Notification]:
    """One inbox entry per recipient (in user id order) and, after commit, an email to those with an address."""
    targets = recipients(users=users, organisation=organisation, roles=roles)
    created = Notification.objects.bulk_create(
        [Notification(user=user, subject=subject, body=body, url=url) for user in targets]
    )
    _email_after_commit([(subject, body, u.email) for u in targets if u.email])
    return created


def notify_many(*, messages: Iterable[tuple[int, str, str]], url: str = "") -> int:
    """Tell each organisation its own message: `messages` yields (organisation id, subject, body), and every
    active user of that organisation gets an inbox entry — the rows `notify(organisation=…)` would write for each
    message in turn, recipients in user id order — and, after commit, an email if they have an address. Per
    chunk of messages one INSERT … SELECT, whatever the number of recipients, and one read of the addresses;
    returns how many entries."""
    table, users = Notification._meta.db_table, get_user_model()._meta.db_table
    now, written, emails = connection.ops.adapt_datetimefield_value(timezone.now()), 0, []
    messages = list(messages)
    size = chunk_size(CHUNK, 4, spare=2)
    for start in range(0, len(messages), size):
        chunk = messages[start:start + size]
        recipients_sql = (f"WITH message (position, organisation_id, subject, body) AS "
                          f"(VALUES {', '.join(['(%s, %s, %s, %s)'] * len(chunk))}) "
                          f"SELECT {{columns}} FROM message m JOIN {users} u ON u.organisation_id = m.organisation_id "
                          f"AND u.is_active {{where}} ORDER BY m.position, u.id")
        params = [value for position, (organisation_id, subject, body) in enumerate(chunk, start)
                  for value in (position, organisation_id, subject, body or "")]
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (subject, body, url, created_at, user_id) "
                           + recipients_sql.format(columns="m.subject, m.body, %s, %s, u.id", where=""),
                           [*params, url, now])
            written += cursor.rowcount
            cursor.execute(recipients_sql.format(columns="m.subject, m.body, u.email", where="AND u.email <> ''"),
                           params)
            emails += cursor.fetchall()
    _email_after_commit(emails)
    return written


def _email_after_commit(emails: list[tuple[str, str, str]]) -> None:
    """(subject, body, address) each, sent in one batch once the transaction that wrote the inbox entries
    commits (never for a rolled-back one)."""
    if emails:
        mails = [(f"【杭企服】{subject}", body or subject, settings.DEFAULT_FROM_EMAIL, [address])
                 for subject, body, address in emails]
        transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))


def mark_read(*, user, notification_id: int | None = None) -> int:
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        queryset = queryset.filter(pk=notification_id)
    return queryset.update(read_at=timezone.now())
