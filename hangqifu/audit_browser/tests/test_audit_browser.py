"""The audit browser: staff search the trail, read one object's timeline and run the chain check."""
import pytest
from django.db import connection
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.audit import labels
from hangqifu.audit.labels import transition_label
from hangqifu.audit.models import AuditEvent, ChainCheck
from hangqifu.audit.services import audit_record
from hangqifu.audit_browser.verification import chain_check_daily
from hangqifu.notifications.models import Notification

pytestmark = pytest.mark.django_db

API = "/api/v1/audit-events/"


@pytest.fixture
def trail(make_user, set_clock):
    """Three actors over three days, two organisations."""
    center = make_user(role=Role.SERVICE_CENTER, username="center-li")
    enterprise = make_user(role=Role.ENTERPRISE, username="ent-wang")
    other = make_user(role=Role.PROVIDER, username="prov-zhao")
    set_clock("2026-06-01T10:00:00+08:00")
    audit_record(actor=enterprise, action="registration.submit", obj=enterprise.organisation, to_state="submitted")
    set_clock("2026-06-02T10:00:00+08:00")
    audit_record(actor=center, action="registration.approve", obj=enterprise.organisation,
                 organisation=enterprise.organisation, from_state="submitted", to_state="approved")
    set_clock("2026-06-03T23:30:00+08:00")
    audit_record(actor=other, action="product.submit", obj=other.organisation)
    return {"center": center, "enterprise": enterprise, "other": other}


def _ids(response):
    return [row["action"] for row in response.json()["results"]]


@pytest.mark.parametrize("query,expected", [
    ({"actor": "CENTER-LI"}, ["registration.approve"]),
    ({"action": "registration"}, ["registration.approve", "registration.submit"]),
    ({"action": "registration.submit"}, ["registration.submit"]),
    ({"object_type": "organisation"}, ["product.submit", "registration.approve", "registration.submit"]),
    ({"since": "2026-06-02", "until": "2026-06-02"}, ["registration.approve"]),
    ({"since": "2026-06-03"}, ["product.submit"]),
    ({"until": "2026-06-01"}, ["registration.submit"]),
])
def test_api_filters(api_as, trail, query, expected):
    response = api_as(trail["center"]).get(API, query)
    assert response.status_code == 200, response.content
    assert _ids(response) == expected


def test_api_filters_by_object_and_organisation(api_as, trail):
    enterprise_org = trail["enterprise"].organisation
    client = api_as(trail["center"])
    by_object = client.get(API, {"object_type": "organisation", "object_id": enterprise_org.pk})
    assert _ids(by_object) == ["registration.approve", "registration.submit"]
    by_org = client.get(API, {"organisation": trail["other"].organisation.pk})
    assert _ids(by_org) == ["product.submit"]
    assert by_object.json()["results"][0]["organisation_name"] == enterprise_org.name


def test_api_reversed_range_is_a_chinese_400(api_as, trail):
    response = api_as(trail["center"]).get(API, {"since": "2026-06-03", "until": "2026-06-01"})
    assert response.status_code == 400
    assert response.json()["code"] == "reversed_range" and response.json()["detail"] == "起始日期不能晚于截止日期"


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.PARK, Role.PROVIDER, Role.DISTRICT, Role.EXPERT])
def test_api_is_for_staff_roles_only(api_as, make_user, trail, role):
    response = api_as(make_user(role=role)).get(API)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_api_anonymous_is_401(api_client):
    assert api_client.get(API).status_code == 401


def test_api_query_count_does_not_grow_with_events(api_as, make_user, django_assert_max_num_queries):
    actor = make_user(role=Role.BUREAU)
    for i in range(30):
        audit_record(actor=actor, action=f"test.step{i}", obj=actor.organisation, organisation=actor.organisation)
    client = api_as(actor)
    client.get(API)  # the token
    with django_assert_max_num_queries(3):
        response = client.get(API, {"page_size": 30})
    assert len(response.json()["results"]) == 30


def test_search_page_for_staff_only(client, trail, make_user):
    client.force_login(trail["enterprise"])
    assert client.get(reverse("audit:event-list")).status_code == 403
    assert client.get(reverse("audit:timeline", args=["organisation", 1])).status_code == 403
    client.logout()
    assert client.get(reverse("audit:event-list")).status_code == 302  # to the login page
    client.force_login(make_user(role=Role.FINANCE_BUREAU))
    page = client.get(reverse("audit:event-list"), {"actor": "ent-wang"}).content.decode()
    assert "提交注册认定申请" in page and "认定资格" not in page


def test_search_page_reversed_range_shows_a_chinese_error(client, trail):
    client.force_login(trail["center"])
    page = client.get(reverse("audit:event-list"), {"since": "2026-06-03", "until": "2026-06-01"}).content.decode()
    assert "起始日期不能晚于截止日期" in page and 'data-testid="events"' not in page


def test_search_page_is_paginated_and_bounded(client, make_user, django_assert_max_num_queries):
    actor = make_user(role=Role.SERVICE_CENTER)
    for i in range(60):
        audit_record(actor=actor, action="test.bulk", obj=actor.organisation, organisation=actor.organisation)
    client.force_login(actor)
    client.get(reverse("audit:event-list"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("audit:event-list"), {"action": "test.bulk", "page": 2})
    page = response.content.decode()
    assert "第 2 / 2 页，共 60 条" in page


def test_timeline_shows_one_object_oldest_first(client, trail):
    organisation = trail["enterprise"].organisation
    client.force_login(trail["center"])
    page = client.get(reverse("audit:timeline", args=["organisation", organisation.pk])).content.decode()
    assert page.index("提交注册认定申请") < page.index("认定资格")
    assert "提交产品审核" not in page and "submitted" not in page
    assert transition_label("organisation", "submitted", "approved") in page


def test_verify_button_runs_the_check_and_shows_when(client, trail):
    client.force_login(trail["center"])
    assert "尚未核验" in client.get(reverse("audit:event-list")).content.decode()
    client.post(reverse("audit:chain-verify"))
    check = ChainCheck.objects.get()
    assert check.ok and check.events_checked == 3 and check.checked_by == trail["center"]
    page = client.get(reverse("audit:event-list")).content.decode()
    assert "完整" in page and "共 3 条事件" in page and "center-li" in page


def test_a_broken_chain_is_shown_and_alerts_the_bureau(client, trail, make_user):
    bureau = make_user(role=Role.BUREAU)
    second = AuditEvent.objects.order_by("id")[1]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # an attacker with database access bypasses the trigger
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("UPDATE audit_auditevent SET payload = '{\"forged\": true}' WHERE id = %s", [second.pk])
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    else:
        AuditEvent.objects.filter(pk=second.pk).update(payload={"forged": True})
    client.force_login(trail["center"])
    response = client.post(reverse("audit:chain-verify"), follow=True)
    assert f"审计链在事件 #{second.pk} 处校验失败" in response.content.decode()
    assert Notification.objects.filter(user=bureau, subject__startswith="审计链校验失败").exists()


def test_the_daily_check_runs_once_per_business_day(trail, set_clock):
    assert chain_check_daily()["ok"] is True
    assert chain_check_daily() == {"skipped": True}
    set_clock("2026-06-04T01:00:00+08:00")
    assert chain_check_daily()["ok"] is True
    assert ChainCheck.objects.count() == 2


def test_the_object_type_search_offers_every_app_of_the_portal_and_no_library_model():
    """Sanctions, supervision and registration are apps of their own: their objects stay searchable by type."""
    offered = {value for value, _ in labels.object_type_choices()}
    assert {"sanction", "complaint", "spotcheck", "registrationapplication", "qualification", "order",
            "redemptionclaim", "providerapplication", "auditevent"} <= offered
    assert not offered & {"session", "group", "permission", "contenttype", "periodictask"}
