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
