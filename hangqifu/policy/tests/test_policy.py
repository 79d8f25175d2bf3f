from datetime import datetime
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from hangqifu.accounts.models import Organisation
from hangqifu.accounts.roles import Role, sync_role_groups
from hangqifu.accounts.tests.factories import OrganisationFactory
from hangqifu.audit.models import AuditEvent
from hangqifu.notices.services import notice_publish
from hangqifu.policy.models import PolicyYear
from hangqifu.policy.services import policy_for

pytestmark = pytest.mark.django_db


def _url(year=2026):
    return reverse("api:policy-year-detail", args=[year])


def test_seeded_years_hold_the_policy_values(api_client):
    body = api_client.get(_url(2027)).json()
    assert body["quota_default"] == "5000.00" and body["deduction_ratio"] == "0.500"
    assert body["provider_annual_cap"] == "500000.00" and body["notice_working_days"] == 5
    assert set(PolicyYear.objects.values_list("year", flat=True)) >= {2026, 2027, 2028}


def test_a_change_is_kept_in_history_and_the_next_rule_check_uses_it(api_as, bureau, set_clock):
    # given a notice published under the seeded 5-working-day window
    set_clock("2026-06-01T09:00:00+08:00")  # Monday
    subject = OrganisationFactory(kind=Organisation.Kind.PROVIDER)
    before = notice_publish(kind="general", title="变更前", items=[(subject, "甲")], actor=bureau)
    assert timezone.localtime(before.closes_at).date().isoformat() == "2026-06-08"
    history_before = PolicyYear.objects.get(year=2026).history.count()
    # when the bureau shortens the window to 3 working days and lowers the deduction ratio
    response = api_as(bureau).patch(_url(), {"notice_working_days": 3, "deduction_ratio": "0.400"}, format="json")
    # then
    assert response.status_code == 200, response.json()
    assert response.json()["notice_working_days"] == 3 and response.json()["deduction_ratio"] == "0.400"
    policy = PolicyYear.objects.get(year=2026)
    latest = policy.history.latest()
    assert policy.history.count() == history_before + 1
    assert latest.notice_working_days == 3 and latest.history_change_reason == f"由 {bureau.username} 修改"
    event = AuditEvent.objects.get(action="policy.update", actor=bureau)
    assert event.payload["before"]["notice_working_days"] == 5 and event.payload["after"]["deduction_ratio"] == "0.400"
    # and the next rule check reads the new value
    after = notice_publish(kind="general", title="变更后", items=[(subject, "乙")], actor=bureau)
    assert after.working_days == 3
    assert timezone.localtime(after.closes_at) == timezone.make_aware(datetime(2026, 6, 4, 23, 59, 59))
    assert policy_for(2026).deduction_ratio == Decimal("0.400")
    # other years are untouched
    assert policy_for(2027).notice_working_days == 5


@pytest.mark.parametrize("changes,field", [
    ({"deduction_ratio": "1.2"}, "deduction_ratio"),
    ({"dissatisfaction_threshold": "-0.1"}, "dissatisfaction_threshold"),
    ({"provider_annual_cap": "-1.00"}, "provider_annual_cap"),
    ({"quota_default": "-5000"}, "quota_default"),
    ({"notice_working_days": 0}, "notice_working_days"),
    ({"notice_working_days": -3}, "notice_working_days"),
])
def test_out_of_range_values_are_refused_with_a_structured_400(api_as, bureau, changes, field):
    history_before = PolicyYear.objects.get(year=2026).history.count()
    response = api_as(bureau).patch(_url(), changes, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["fields"] and body["detail"]
    policy = PolicyYear.objects.get(year=2026)
    assert policy.history.count() == history_before
    assert (policy.deduction_ratio, policy.provider_annual_cap) == (Decimal("0.500"), Decimal("500000.00"))
    assert not AuditEvent.objects.filter(action="policy.update").exists()


def test_only_the_bureau_may_change_parameters(api_as, api_client, make_user):
    for user in (make_user(role=Role.SERVICE_CENTER), make_user(role=Role.ENTERPRISE)):
        response = api_as(user).patch(_url(), {"deduction_ratio": "0.4"}, format="json")
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert api_client.patch(_url(), {"deduction_ratio": "0.4"}, format="json").status_code in (401, 403)
    assert policy_for(2026).deduction_ratio == Decimal("0.500")


def _admin_post_data(policy: PolicyYear, **changes) -> dict:
    data = {k: ("" if v is None else v) for k, v in model_to_dict(policy).items() if k != "id"}
    data.update(changes)
    return data


def test_admin_refuses_out_of_range_values_in_chinese(client, bureau):
    sync_role_groups()
    client.force_login(bureau)
    policy = PolicyYear.objects.get(year=2026)
    url = reverse("admin:policy_policyyear_change", args=[policy.pk])
    response = client.post(url, _admin_post_data(policy, deduction_ratio="1.5", provider_annual_cap="-10"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "不能大于 1" in page and "不能小于 0" in page
    assert PolicyYear.objects.get(year=2026).deduction_ratio == Decimal("0.500")


def test_admin_refuses_values_beyond_the_measures_without_a_later_text(client, bureau):
    sync_role_groups()
    client.force_login(bureau)
    policy = PolicyYear.objects.get(year=2026)
    url = reverse("admin:policy_policyyear_change", args=[policy.pk])
    response = client.post(url, _admin_post_data(policy, deduction_ratio="0.600", quota_tier3="20000.01"))
    assert response.status_code == 200 and response.content.decode().count("超出《管理办法》限额") == 2
    assert PolicyYear.objects.get(year=2026).deduction_ratio == Decimal("0.500")
    response = client.post(url, _admin_post_data(policy, deduction_ratio="0.600", policy_basis="杭经信联中小〔2027〕1号"))
    assert response.status_code == 302 and PolicyYear.objects.get(year=2026).deduction_ratio == Decimal("0.600")


def test_admin_change_by_bureau_goes_through_the_service_with_history(client, bureau):
    sync_role_groups()
    client.force_login(bureau)
    policy = PolicyYear.objects.get(year=2026)
    response = client.post(reverse("admin:policy_policyyear_change", args=[policy.pk]),
                           _admin_post_data(policy, provider_annual_cap="450000.00"))
    assert response.status_code == 302
    policy = PolicyYear.objects.get(year=2026)
    assert policy.provider_annual_cap == Decimal("450000.00")
    assert policy.history.latest().history_change_reason == f"由 {bureau.username} 修改"
    assert AuditEvent.objects.filter(action="policy.update", actor=bureau).exists()


def test_seeded_years_start_their_history(api_client):
    # the data migration's rows have a first history record, so the first change has something to compare with
    for policy in PolicyYear.objects.filter(year__in=[2026, 2027, 2028]):
        first = policy.history.earliest()
        assert first.history_type == "+" and first.quota_default == policy.quota_default


def test_review_and_complaint_periods_are_the_years_parameters(api_as, bureau, make_user, set_clock):
    from registration.tests.factories import make_registration
    from supervision.complaints import complaint_file

    # given the bureau shortens both periods for 2026
    set_clock("2026-06-01T09:00:00+08:00")  # Monday; 19 June is the Dragon Boat holiday
    response = api_as(bureau).patch(_url(2026), {"review_working_days": 3, "complaint_working_days": 14},
                                    format="json")
    assert response.status_code == 200, response.content
    assert response.json()["review_working_days"] == 3
    # when an application is submitted and a complaint filed
    registration = make_registration(make_user(role=Role.ENTERPRISE), state="submitted")
    complaint = complaint_file(actor=None, subject="服务未交付", content="报告未交付", name="王先生",
                               contact="13800000000")
    # then both deadlines follow the new parameters on the official calendar
    assert str(registration.review_due_on) == "2026-06-04"
    assert str(complaint.due_on) == "2026-06-22"


def test_a_period_of_zero_working_days_is_refused(api_as, bureau):
    response = api_as(bureau).patch(_url(2026), {"complaint_working_days": 0}, format="json")
    assert response.status_code == 400 and "complaint_working_days" in response.json()["fields"]
