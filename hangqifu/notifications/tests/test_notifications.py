import pytest
from django.core import mail
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.notifications.models import Notification
from hangqifu.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_notify_creates_inbox_entries_and_emails_after_commit(make_user, django_capture_on_commit_callbacks):
    with_email = make_user(role=Role.ENTERPRISE, email="a@example.com")
    without_email = make_user(role=Role.ENTERPRISE, organisation=with_email.organisation, email="")
    staff = make_user(role=Role.SERVICE_CENTER, email="sc@example.com")
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = notify(subject="注册申请已通过", body="您的年度额度为 5000 元", url="/home/",
                         organisation=with_email.organisation, roles=[Role.SERVICE_CENTER])
        # nothing is sent before the transaction commits
        assert mail.outbox == []
    for callback in callbacks:
        callback()
    # then every recipient has one inbox entry, and those with an address one email
    assert {n.user for n in created} == {with_email, without_email, staff}
    assert Notification.objects.filter(user=without_email, subject="注册申请已通过", read_at__isnull=True).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "sc@example.com"]
    assert mail.outbox[0].subject == "【杭企服】注册申请已通过" and "5000" in mail.outbox[0].body


def test_header_shows_the_unread_count(client, make_user):
    user = make_user()
    notify(subject="一", users=[user])
    notify(subject="二", users=[user])
    notify(subject="别人的", users=[make_user()])
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert '<span class="badge" data-unread>2</span>' in page
    client.post(reverse("notifications:mark-read"))
    assert "data-unread" not in client.get(reverse("home")).content.decode()


def test_mark_one_read_api_only_for_own_notifications(api_as, make_user):
    user, other = make_user(), make_user()
    mine = notify(subject="我的", users=[user])[0]
    theirs = notify(subject="他人的", users=[other])[0]
    response = api_as(user).post(reverse("api:notification-read", args=[mine.pk]))
    assert response.status_code == 200 and response.json()["read_at"]
    assert api_as(user).post(reverse("api:notification-read", args=[theirs.pk])).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    # idempotent
    again = api_as(user).post(reverse("api:notification-read", args=[mine.pk]))
    assert again.status_code == 200 and again.json()["read_at"] == response.json()["read_at"]


def test_read_all_api(api_as, make_user):
    user, other = make_user(), make_user()
    for subject in ("一", "二", "三"):
        notify(subject=subject, users=[user, other])
    response = api_as(user).post(reverse("api:notification-read-all"))
    assert response.status_code == 200 and response.json() == {"marked": 3, "unread": 0}
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 3
    listed = api_as(user).get(reverse("api:notification-list")).json()
    assert listed["count"] == 3 and all(n["read_at"] for n in listed["results"])


def _rows(notifications):
    return [(n.user_id, n.subject, n.body, n.url) for n in notifications.order_by("id")]


def test_notify_many_writes_the_rows_notify_would_and_emails_after_commit(make_user, monkeypatch,
                                                                          django_capture_on_commit_callbacks):
    from hangqifu.accounts.models import Organisation
    from hangqifu.accounts.tests.factories import OrganisationFactory
    from hangqifu.notifications import services

    # given three organisations: one with two active users, one
    # with an inactive user only, one with a user without an address
    first, second, third = (OrganisationFactory() for _ in range(3))
    earlier = make_user(role=Role.PROVIDER, organisation=first, email="earlier@example.com")
    make_user(role=Role.PROVIDER, organisation=second, email="gone@example.com", is_active=False)
    quiet = make_user(role=Role.PROVIDER, organisation=third, email="")
    later = make_user(role=Role.PROVIDER, organisation=first, email="later@example.com")
    messages = [(third.pk, "第三", "三的正文"), (first.pk, "第一", "一的正文"), (second.pk, "第二", "")]
    monkeypatch.setattr(services, "CHUNK", 2)  # two statements
    start = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0
    # when they are told at once
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        written = services.notify_many(messages=messages, url="/notices/1/")
        assert mail.outbox == []
    middle = Notification.objects.order_by("-id").values_list("id", flat=True).first()
    # and the same again one by one through notify()
    for organisation_id, subject, body in messages:
        notify(subject=subject, body=body, url="/notices/1/", organisation=Organisation.objects.get(pk=organisation_id))
    # then both wrote the same rows in the same order (message by message, users by id), the inactive user none
    bulk = _rows(Notification.objects.filter(pk__gt=start, pk__lte=middle))
    assert written == 3 and bulk == _rows(Notification.objects.filter(pk__gt=middle))
    assert bulk == [(quiet.pk, "第三", "三的正文", "/notices/1/"), (earlier.pk, "第一", "一的正文", "/notices/1/"),
                    (later.pk, "第一", "一的正文", "/notices/1/")]
    # and the emails go out only after commit, to those with an address
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == ["earlier@example.com", "later@example.com"]
    assert {m.subject for m in mail.outbox} == {"【杭企服】第一"} and mail.outbox[0].body == "一的正文"


def test_notify_many_with_nobody_to_tell_writes_nothing(make_user, django_capture_on_commit_callbacks):
    from hangqifu.accounts.tests.factories import OrganisationFactory
    from hangqifu.notifications.services import notify_many

    empty = OrganisationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_many(messages=[(empty.pk, "无人", "")]) == 0
        assert notify_many(messages=[]) == 0
    assert not Notification.objects.filter(subject="无人").exists() and mail.outbox == []
