"""第二十条: a sanction bans the organisation everywhere through one check, with a reason, audited,
notified and written into the credit file."""
from datetime import date

import pytest
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.audit.models import AuditEvent
from hangqifu.core.errors import InvalidInput, InvalidTransition, NotPermitted, RuleViolation
from hangqifu.notifications.models import Notification
from hangqifu.policy.services import policy_for
from sanctions import services as sanctions
from sanctions.models import CreditRecord, Sanction

pytestmark = pytest.mark.django_db

API = "/api/v1/sanctions/"


def test_bureau_imposes_a_ban_with_credit_record_audit_and_notification(set_clock, bureau, enterprise_user,
                                                                        make_user):
    # given
    set_clock("2026-06-10T09:00:00+08:00")
    colleague = make_user(role=Role.ENTERPRISE, organisation=enterprise_user.organisation)
    organisation = enterprise_user.organisation
    # when
    sanction = sanctions.sanction_impose(actor=bureau, organisation=organisation, reason="虚报服务合同金额",
                                         ban_years=None)
    # then: the policy year's default length, ending the day before the anniversary
    assert sanction.ban_years == policy_for(2026).sanction_ban_years == 3
    assert (sanction.starts_on, sanction.ends_on) == (date(2026, 6, 10), date(2029, 6, 9))
    assert sanction.state == Sanction.State.ACTIVE
    record = CreditRecord.objects.get(organisation=organisation)
    assert record.sanction == sanction and "虚报服务合同金额" in record.content
    event = AuditEvent.objects.get(action="sanction.impose")
    assert (event.object_type, event.object_id, event.organisation_id) == ("sanction", str(sanction.pk),
                                                                            organisation.pk)
    notified = set(Notification.objects.filter(subject__contains="违规处理决定").values_list("user_id", flat=True))
    assert notified == {enterprise_user.pk, colleague.pk}


def test_assert_not_banned_refuses_during_the_ban_and_allows_after_it_ends(set_clock, bureau, enterprise_user):
    # given
    organisation = enterprise_user.organisation
    set_clock("2026-06-10T09:00:00+08:00")
    sanctions.assert_not_banned(organisation, entry_point="claim")  # not banned yet
    sanctions.sanction_impose(actor=bureau, organisation=organisation, reason="冒领服务券", ban_years=2)
    # when / then: refused during the ban, to its last day
    for moment in ("2026-06-10T09:00:00+08:00", "2028-06-09T23:00:00+08:00"):
        set_clock(moment)
        with pytest.raises(RuleViolation) as refused:
            sanctions.assert_not_banned(organisation, entry_point="deduction")
        assert refused.value.code == "banned" and refused.value.status == 409
        assert refused.value.detail == "该组织因违规已被禁止使用服务券及相关政策资金至 2028-06-09"
        assert sanctions.is_banned(organisation)
    # and allowed the day after it ends
    set_clock("2028-06-10T00:00:01+08:00")
    sanctions.assert_not_banned(organisation, entry_point="deduction")
    assert not sanctions.is_banned(organisation)


def test_a_ban_covers_only_its_organisation_and_tolerates_none(bureau, enterprise_user, make_user):
    other = make_user(role=Role.ENTERPRISE)
    sanctions.sanction_impose(actor=bureau, organisation=enterprise_user.organisation, reason="虚报", ban_years=3)
    sanctions.assert_not_banned(other.organisation, entry_point="registration")
    sanctions.assert_not_banned(None, entry_point="registration")


def test_unknown_entry_point_is_a_programming_error(enterprise_user):
    with pytest.raises(ValueError):
        sanctions.assert_not_banned(enterprise_user.organisation, entry_point="claimm")


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_sanction_without_reason_is_refused(bureau, enterprise_user, reason):
    with pytest.raises(InvalidInput) as refused:
        sanctions.sanction_impose(actor=bureau, organisation=enterprise_user.organisation, reason=reason, ban_years=3)
    assert refused.value.fields == {"reason": ["必须填写处理事由"]}
    assert not Sanction.objects.exists() and not AuditEvent.objects.filter(action="sanction.impose").exists()


@pytest.mark.parametrize("role", [Role.SERVICE_CENTER, Role.FINANCE_BUREAU, Role.ENTERPRISE])
def test_only_the_bureau_may_sanction(make_user, enterprise_user, role):
    with pytest.raises(NotPermitted):
        sanctions.sanction_impose(actor=make_user(role=role), organisation=enterprise_user.organisation,
                                  reason="虚报", ban_years=3)


def test_agencies_cannot_be_sanctioned(bureau):
    with pytest.raises(InvalidInput):
        sanctions.sanction_impose(actor=bureau, organisation=bureau.organisation, reason="虚报", ban_years=3)


def test_lifting_ends_the_ban_and_keeps_the_credit_file(bureau, enterprise_user, make_user):
    # given
    organisation = enterprise_user.organisation
    sanction = sanctions.sanction_impose(actor=bureau, organisation=organisation, reason="虚报", ban_years=3)
    with pytest.raises(NotPermitted):
        sanctions.sanction_lift(actor=make_user(role=Role.SERVICE_CENTER), sanction=sanction, reason="复议撤销")
    with pytest.raises(InvalidInput):
        sanctions.sanction_lift(actor=bureau, sanction=sanction, reason="")
    # when
    sanctions.sanction_lift(actor=bureau, sanction=sanction, reason="行政复议撤销原决定")
    # then
    sanction = Sanction.objects.get(pk=sanction.pk)
    assert sanction.state == Sanction.State.LIFTED and sanction.lift_reason == "行政复议撤销原决定"
    assert not sanctions.is_banned(organisation)
    assert CreditRecord.objects.filter(organisation=organisation).count() == 2
    assert AuditEvent.objects.filter(action="sanction.lift", from_state="active", to_state="lifted").exists()
    with pytest.raises(InvalidTransition):
        sanctions.sanction_lift(actor=bureau, sanction=sanction, reason="再次撤销")


# --- API ----------------------------------------------------------------------------------------------------

def test_api_bureau_posts_a_sanction(api_as, bureau, enterprise_user, set_clock):
    set_clock("2026-06-10T09:00:00+08:00")
    response = api_as(bureau).post(API, {"organisation": enterprise_user.organisation.pk, "reason": "冒领服务券",
                                         "ban_years": 3}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "active" and body["ends_on"] == "2029-06-09" and body["in_force"] is True
    assert body["available_actions"] == ["lift"]


def test_api_sanction_without_reason_is_a_structured_400(api_as, bureau, enterprise_user):
    response = api_as(bureau).post(API, {"organisation": enterprise_user.organisation.pk, "ban_years": 3},
                                   format="json")
    assert response.status_code == 400
    assert response.json() == {"code": "reason_required", "detail": "必须填写处理事由",
                               "fields": {"reason": ["必须填写处理事由"]}}


@pytest.mark.parametrize("role,status", [(Role.SERVICE_CENTER, 403), (Role.FINANCE_BUREAU, 403),
                                         (Role.ENTERPRISE, 403), (Role.PROVIDER, 403)])
def test_api_post_is_bureau_only(api_as, make_user, enterprise_user, role, status):
    response = api_as(make_user(role=role)).post(API, {"organisation": enterprise_user.organisation.pk,
                                                       "reason": "虚报", "ban_years": 3}, format="json")
    assert response.status_code == status and response.json()["code"] == "permission_denied"
    assert not Sanction.objects.exists()


def test_api_list_is_for_staff_and_bounded(api_as, make_user, bureau, django_assert_max_num_queries):
    from .factories import SanctionFactory

    SanctionFactory.create_batch(5, decided_by=bureau)
    client = api_as(make_user(role=Role.FINANCE_BUREAU))
    with django_assert_max_num_queries(6):
        response = client.get(API)
    assert response.status_code == 200 and response.json()["count"] == 5
    assert api_as(make_user(role=Role.ENTERPRISE)).get(API).status_code == 403


def test_api_lift(api_as, bureau, enterprise_user, make_user):
    sanction = sanctions.sanction_impose(actor=bureau, organisation=enterprise_user.organisation, reason="虚报",
                                         ban_years=3)
    url = f"{API}{sanction.pk}/lift/"
    assert api_as(make_user(role=Role.SERVICE_CENTER)).post(url, {"reason": "x"}, format="json").status_code == 403
    response = api_as(bureau).post(url, {"reason": "行政复议撤销"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "lifted"
    assert api_as(bureau).post(url, {"reason": "again"}, format="json").status_code == 409


# --- pages --------------------------------------------------------------------------------------------------

def test_page_form_without_reason_shows_a_chinese_error(client, bureau, enterprise_user):
    client.force_login(bureau)
    response = client.post(reverse("audit:sanction-list"),
                           {"organisation": enterprise_user.organisation.pk, "reason": "", "ban_years": 3})
    assert response.status_code == 200
    assert "必须填写处理事由" in response.content.decode()
    assert not Sanction.objects.exists()


def test_page_bureau_imposes_and_others_cannot(client, bureau, enterprise_user, make_user):
    client.force_login(make_user(role=Role.SERVICE_CENTER))
    page = client.get(reverse("audit:sanction-list"))
    assert page.status_code == 200 and 'data-testid="sanction-form"' not in page.content.decode()
    assert client.post(reverse("audit:sanction-list"), {"organisation": enterprise_user.organisation.pk,
                                                        "reason": "虚报", "ban_years": 3}).status_code == 403
    client.force_login(enterprise_user)
    assert client.get(reverse("audit:sanction-list")).status_code == 403
    client.force_login(bureau)
    response = client.post(reverse("audit:sanction-list"), {"organisation": enterprise_user.organisation.pk,
                                                            "reason": "虚报", "ban_years": 3})
    assert response.status_code == 302 and Sanction.objects.get().organisation == enterprise_user.organisation


def test_the_organisation_sees_its_ban_on_home_and_credit_page(client, bureau, enterprise_user):
    sanctions.sanction_impose(actor=bureau, organisation=enterprise_user.organisation, reason="虚报服务合同",
                              ban_years=3)
    client.force_login(enterprise_user)
    home = client.get(reverse("home")).content.decode()
    assert "本组织已被禁止使用服务券及相关政策资金至" in home
    mine = client.get(reverse("audit:my-sanctions")).content.decode()
    assert 'data-testid="ban-in-force"' in mine and "虚报服务合同" in mine


def test_admin_add_goes_through_the_service(client, bureau, enterprise_user):
    client.force_login(bureau)
    response = client.post(reverse("admin:sanctions_sanction_add"),
                           {"organisation": enterprise_user.organisation.pk, "reason": "虚报", "ban_years": 3,
                            "credit_records-TOTAL_FORMS": 0, "credit_records-INITIAL_FORMS": 0})
    assert response.status_code == 302, response.content.decode()[:3000]
    sanction = Sanction.objects.get()
    assert AuditEvent.objects.filter(action="sanction.impose", object_id=str(sanction.pk)).exists()
    assert CreditRecord.objects.filter(sanction=sanction).count() == 1


def test_admin_lift_button_asks_for_a_reason_and_calls_the_service(client, bureau, enterprise_user):
    sanction = sanctions.sanction_impose(actor=bureau, organisation=enterprise_user.organisation, reason="虚报",
                                         ban_years=3)
    client.force_login(bureau)
    change = reverse("admin:sanctions_sanction_change", args=[sanction.pk])
    assert "撤销处理决定" in client.get(change).content.decode()
    form_url = reverse("admin:sanctions_sanction_transition", args=[sanction.pk, "lift"])
    assert "撤销理由" in client.get(form_url).content.decode()
    client.post(form_url, {"reason": "行政复议撤销"})
    assert Sanction.objects.get(pk=sanction.pk).state == Sanction.State.LIFTED
    assert AuditEvent.objects.filter(action="sanction.lift", actor=bureau).exists()


def test_api_list_filters_by_organisation_and_state(api_as, bureau, enterprise_user, make_user):
    other = make_user(role=Role.PROVIDER).organisation
    mine = sanctions.sanction_impose(actor=bureau, organisation=enterprise_user.organisation, reason="虚报",
                                     ban_years=3)
    sanctions.sanction_impose(actor=bureau, organisation=other, reason="冒领", ban_years=3)
    sanctions.sanction_lift(actor=bureau, sanction=mine, reason="复议撤销")
    client = api_as(bureau)
    assert [s["organisation"] for s in client.get(API, {"organisation": other.pk}).json()["results"]] == [other.pk]
    assert [s["id"] for s in client.get(API, {"state": "lifted"}).json()["results"]] == [mine.pk]
    assert client.get(API, {"state": "nonsense"}).status_code == 400


def test_banned_organisation_ids_for_batch_steps(set_clock, bureau, enterprise_user, make_user,
                                                 django_assert_num_queries):
    set_clock("2026-06-10T09:00:00+08:00")
    provider = make_user(role=Role.PROVIDER).organisation
    sanctions.sanction_impose(actor=bureau, organisation=enterprise_user.organisation, reason="虚报", ban_years=1)
    lifted = sanctions.sanction_impose(actor=bureau, organisation=provider, reason="冒领", ban_years=3)
    sanctions.sanction_lift(actor=bureau, sanction=lifted, reason="复议撤销")
    with django_assert_num_queries(1):
        assert sanctions.banned_organisation_ids() == {enterprise_user.organisation.pk}
    assert sanctions.banned_organisation_ids(on=date(2027, 6, 10)) == set()


# --- the lift transition: who before where, and what the page and the API offer ----------------------------

def test_lifting_asks_who_before_where_and_offers_lift_only_while_it_can_succeed(set_clock, bureau, enterprise_user,
                                                                                make_user, api_as, client):
    # given a decision already lifted
    set_clock("2026-06-10T09:00:00+08:00")
    sanction = sanctions.sanction_impose(actor=bureau, organisation=enterprise_user.organisation, reason="冒领服务券",
                                         ban_years=2)
    listed = api_as(bureau).get(API).json()["results"][0]
    assert listed["available_actions"] == ["lift"]
    sanctions.sanction_lift(actor=bureau, sanction=sanction, reason="行政复议撤销原决定")
    # when the service center tries to lift it: not theirs to decide (403), whatever its state
    with pytest.raises(NotPermitted) as refused:
        sanctions.sanction_lift(actor=make_user(role=Role.SERVICE_CENTER), sanction=sanction, reason="再次撤销")
    assert refused.value.status == 403 and refused.value.detail == "只有市经信局可以撤销处理决定"
    # and the bureau learns the state does not allow it (409)
    with pytest.raises(InvalidTransition) as wrong_state:
        sanctions.sanction_lift(actor=bureau, sanction=sanction, reason="再次撤销")
    assert wrong_state.value.status == 409 and wrong_state.value.detail == "该处理决定已撤销"
    # then neither the API nor the page offers the lift any more
    assert api_as(bureau).get(API).json()["results"][0]["available_actions"] == []
    client.force_login(bureau)
    page = client.get(reverse("audit:sanction-list")).content.decode()
    assert reverse("audit:sanction-lift", args=[sanction.pk]) not in page
