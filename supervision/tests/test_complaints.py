"""第十八条 complaints: anyone files, the service center investigates within 15 working days, the complainant
is told each step, and nobody learns from a complaint whether an object exists."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from hangqifu.accounts.roles import Role
from hangqifu.audit.models import AuditEvent
from hangqifu.core.errors import InvalidInput, InvalidTransition, NotPermitted
from hangqifu.notifications.models import Notification
from supervision import complaints
from supervision.jobs import complaints_overdue
from supervision.models import Complaint

pytestmark = pytest.mark.django_db

API = "/api/v1/complaints/"
PUBLIC = {"subject": "服务机构收取额外费用", "content": "签约后被要求另付服务费 2000 元", "name": "王先生",
          "contact": "13800000000"}


@pytest.fixture
def filed(set_clock, enterprise_user):
    set_clock("2026-06-01T09:00:00+08:00")
    return complaints.complaint_file(actor=enterprise_user, subject="服务未交付", content="合同约定的报告未交付")


def _transition(api_as, user, complaint, action, **body):
    return api_as(user).post(f"{API}{complaint.pk}/{action}/", body, format="json")


# --- filing -------------------------------------------------------------------------------------------------

def test_the_public_files_without_login_and_gets_a_tracking_number(api_client, set_clock):
    # given: Monday 1 June 2026; 19 June is the Dragon Boat holiday
    set_clock("2026-06-01T09:00:00+08:00")
    # when
    response = api_client.post(API, PUBLIC, format="json")
    # then: 15 working days, counted on the official calendar
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "received" and body["due_on"] == "2026-06-23"
    assert body["tracking_number"].startswith("TS20260601") and "contact" not in body
    complaint = Complaint.objects.get()
    assert complaint.complainant is None and complaint.contact == "13800000000"
    event = AuditEvent.objects.get(action="complaint.file")
    assert event.actor is None and event.payload["public"] is True and "13800000000" not in str(event.payload)


@pytest.mark.parametrize("missing", ["name", "contact"])
def test_the_public_must_leave_name_and_contact(api_client, missing):
    response = api_client.post(API, {**PUBLIC, missing: ""}, format="json")
    assert response.status_code == 400 and missing in response.json()["fields"]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("content", ["", "   "])
def test_a_complaint_without_content_is_refused(api_as, enterprise_user, content):
    response = api_as(enterprise_user).post(API, {"subject": "投诉", "content": content}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "content_required"
    assert response.json()["fields"]["content"] == ["投诉内容不能为空"]
    assert not Complaint.objects.exists()


def test_a_user_is_known_and_notified_in_app(filed, enterprise_user):
    assert filed.complainant == enterprise_user and filed.complainant_name == enterprise_user.username
    notice = Notification.objects.get(user=enterprise_user)
    assert filed.tracking_number in notice.subject and "2026-06-23" in notice.body


def test_a_complaint_about_an_object_the_complainant_cannot_see_is_accepted_without_revealing_it(
        api_as, enterprise_user, make_user):
    # given: another enterprise's organisation (exists, not visible) and an id that does not exist
    other = make_user(role=Role.ENTERPRISE).organisation
    client = api_as(enterprise_user)
    # when
    hidden = client.post(API, {"subject": "串通套现", "content": "疑似虚假交易", "object_type": "organisation",
                               "object_id": str(other.pk)}, format="json")
    missing = client.post(API, {"subject": "串通套现", "content": "疑似虚假交易", "object_type": "organisation",
                                "object_id": "987654"}, format="json")
    # then: both accepted, answers identical apart from ids, numbers and the id given
    assert hidden.status_code == missing.status_code == 201

    def shape(body):
        return {k: v for k, v in body.items() if k not in {"id", "tracking_number", "object_id", "filed_at"}}

    assert shape(hidden.json()) == shape(missing.json())
    assert other.name not in hidden.content.decode()
    assert Complaint.objects.filter(object_type="organisation").count() == 2


def test_object_type_aliases_and_unknown_types(api_as, enterprise_user):
    client = api_as(enterprise_user)
    response = client.post(API, {"subject": "s", "content": "c", "object_type": "registration", "object_id": "5"},
                           format="json")
    assert response.status_code == 201 and response.json()["object_type"] == "registrationapplication"
    assert client.post(API, {"subject": "s", "content": "c", "object_type": "spaceship", "object_id": "5"},
                       format="json").status_code == 400
    assert client.post(API, {"subject": "s", "content": "c", "object_type": "order"},
                       format="json").json()["fields"] == {"object_id": ["请同时填写投诉对象的类型和编号"]}


# --- the workflow -------------------------------------------------------------------------------------------

def test_received_investigating_resolved_notifies_each_step(api_as, filed, center, enterprise_user):
    # when
    started = _transition(api_as, center, filed, "start-investigation")
    resolved = _transition(api_as, center, filed, "resolve", findings="经核查属实，已责令服务机构退还费用")
    # then
    assert started.status_code == 200 and started.json()["state"] == "investigating"
    assert started.json()["handler"] == center.username
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved"
    complaint = Complaint.objects.get(pk=filed.pk)
    assert complaint.findings.startswith("经核查属实") and complaint.closed_at is not None
    subjects = list(Notification.objects.filter(user=enterprise_user).order_by("id").values_list("subject", flat=True))
    assert [s.split("（")[0] for s in subjects] == ["投诉已受理", "投诉进入调查", "投诉已办结"]
    actions = list(AuditEvent.objects.filter(object_type="complaint", object_id=str(filed.pk))
                   .values_list("action", "from_state", "to_state"))
    assert actions == [("complaint.file", "", "received"),
                       ("complaint.start_investigation", "received", "investigating"),
                       ("complaint.resolve", "investigating", "resolved")]


def test_investigating_dismissed(filed, center, enterprise_user):
    complaints.complaint_start_investigation(actor=center, complaint=filed)
    complaint = complaints.complaint_dismiss(actor=center, complaint=filed, findings="经核查服务已按合同交付")
    assert complaint.state == "dismissed"
    assert Notification.objects.filter(user=enterprise_user, subject__startswith="投诉经调查不予支持").exists()


def test_transitions_out_of_order_are_409(api_as, filed, center):
    assert _transition(api_as, center, filed, "resolve", findings="x").status_code == 409
    assert _transition(api_as, center, filed, "dismiss", findings="x").status_code == 409
    complaints.complaint_start_investigation(actor=center, complaint=filed)
    assert _transition(api_as, center, filed, "start-investigation").status_code == 409
    complaints.complaint_resolve(actor=center, complaint=filed, findings="已处理")
    assert _transition(api_as, center, filed, "dismiss", findings="x").json()["code"] == "invalid_transition"
    with pytest.raises(InvalidTransition):
        complaints.complaint_assign(actor=center, complaint=filed, handler=center)


def test_findings_are_required(filed, center):
    complaints.complaint_start_investigation(actor=center, complaint=filed)
    with pytest.raises(InvalidInput) as refused:
        complaints.complaint_resolve(actor=center, complaint=filed, findings="  ")
    assert refused.value.code == "findings_required"


@pytest.mark.parametrize("role", [Role.BUREAU, Role.FINANCE_BUREAU, Role.ENTERPRISE, Role.PROVIDER])
def test_only_the_service_center_investigates(api_as, make_user, filed, role):
    user = make_user(role=role)
    with pytest.raises(NotPermitted):
        complaints.complaint_start_investigation(actor=user, complaint=filed)
    # staff who may read it get 403; others do not even see it (404)
    expected = 403 if role in (Role.BUREAU, Role.FINANCE_BUREAU) else 404
    assert _transition(api_as, user, filed, "start-investigation").status_code == expected


def test_only_the_assigned_handler_closes_and_assignment_hands_over(api_as, filed, center, make_user):
    colleague = make_user(role=Role.SERVICE_CENTER)
    complaints.complaint_start_investigation(actor=center, complaint=filed)
    with pytest.raises(NotPermitted):
        complaints.complaint_resolve(actor=colleague, complaint=filed, findings="已处理")
    with pytest.raises(InvalidInput):
        complaints.complaint_assign(actor=center, complaint=filed, handler=make_user(role=Role.BUREAU))
    assigned = _transition(api_as, center, filed, "assign", handler=colleague.pk)
    assert assigned.status_code == 200 and assigned.json()["handler"] == colleague.username
    assert Notification.objects.filter(user=colleague, subject__startswith="请承办投诉").exists()
    assert complaints.complaint_resolve(actor=colleague, complaint=filed, findings="已处理").state == "resolved"


def test_complaint_visibility(api_as, filed, enterprise_user, make_user, center):
    url = f"{API}{filed.pk}/"
    own = api_as(enterprise_user).get(url)
    assert own.status_code == 200 and "contact" not in own.json()
    assert api_as(make_user(role=Role.ENTERPRISE)).get(url).status_code == 404
    staff = api_as(make_user(role=Role.FINANCE_BUREAU)).get(url)
    assert staff.status_code == 200 and "contact" in staff.json()
    assert api_as(center).get(url).json()["available_actions"] == ["start-investigation", "assign"]


def test_list_api_scoped_and_bounded(api_as, set_clock, enterprise_user, center, make_user,
                                     django_assert_max_num_queries):
    set_clock("2026-06-01T09:00:00+08:00")
    for i in range(4):
        complaints.complaint_file(actor=enterprise_user, subject=f"投诉{i}", content="内容")
    complaints.complaint_file(actor=None, name="李女士", contact="lee@example.com", subject="公众投诉", content="内容")
    client = api_as(center)
    with django_assert_max_num_queries(4):
        staff = client.get(API)
    assert staff.json()["count"] == 5
    assert api_as(enterprise_user).get(API).json()["count"] == 4
    assert api_as(make_user(role=Role.PROVIDER)).get(API).json()["count"] == 0


# --- overdue ------------------------------------------------------------------------------------------------

def test_overdue_complaints_are_flagged_and_the_handler_reminded_once(filed, center, set_clock, client):
    complaints.complaint_start_investigation(actor=center, complaint=filed)
    set_clock("2026-06-23T18:00:00+08:00")  # the last day: not yet overdue
    assert complaints_overdue() == {"reminded": 0}
    set_clock("2026-06-24T09:00:00+08:00")
    assert complaints_overdue() == {"reminded": 1}
    assert complaints_overdue() == {"reminded": 0}
    assert Notification.objects.filter(user=center, subject__startswith="投诉已逾期").count() == 1
    client.force_login(center)
    page = client.get(reverse("audit:complaint-list") + "?overdue=1").content.decode()
    assert filed.tracking_number in page and 'data-testid="overdue"' in page
    home = client.get(reverse("home")).content.decode()
    assert "逾期未办结的投诉" in home and "我承办的调查中投诉" in home


# --- pages --------------------------------------------------------------------------------------------------

def test_public_form_files_and_tracks_by_number_and_contact(client, set_clock):
    set_clock("2026-06-01T09:00:00+08:00")
    response = client.post(reverse("audit:complaint-new"), {**PUBLIC, "object_type": "", "object_id": ""})
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    filed_page = client.get(response.url).content.decode()
    assert complaint.tracking_number in filed_page
    wrong = client.post(reverse("audit:complaint-track"),
                       {"tracking_number": complaint.tracking_number, "contact": "13900000000"}).content.decode()
    assert "未找到匹配的投诉" in wrong and complaint.subject not in wrong
    right = client.post(reverse("audit:complaint-track"),
                       {"tracking_number": complaint.tracking_number.lower(), "contact": "13800000000"})
    assert complaint.subject in right.content.decode() and "已受理" in right.content.decode()


def test_public_form_shows_chinese_errors(client):
    response = client.post(reverse("audit:complaint-new"), {"subject": "投诉", "content": "", "name": "",
                                                            "contact": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "投诉内容不能为空" in page and "请填写投诉人姓名" in page and "请填写联系方式" in page


def test_staff_pages_link_to_the_object_history(client, center, enterprise_user, make_user):
    other = make_user(role=Role.PROVIDER).organisation
    complaint = complaints.complaint_file(actor=enterprise_user, subject="s", content="c",
                                          object_type="organisation", object_id=str(other.pk))
    client.force_login(center)
    page = client.get(reverse("audit:complaint-detail", args=[complaint.pk])).content.decode()
    assert reverse("audit:timeline", args=["organisation", other.pk]) in page and other.name in page
    # the staff page acts through the services
    client.post(reverse("audit:complaint-act", args=[complaint.pk, "start"]))
    client.post(reverse("audit:complaint-act", args=[complaint.pk, "resolve"]), {"findings": "已约谈服务机构"})
    assert Complaint.objects.get(pk=complaint.pk).state == "resolved"
    client.force_login(enterprise_user)
    assert client.get(reverse("audit:complaint-detail", args=[complaint.pk])).status_code == 403
    assert client.get(reverse("audit:complaint-mine-detail", args=[complaint.pk])).status_code == 200
    client.force_login(make_user(role=Role.ENTERPRISE))
    assert client.get(reverse("audit:complaint-mine-detail", args=[complaint.pk])).status_code == 404


def test_staff_list_page_query_count_is_bounded(client, center, enterprise_user, django_assert_max_num_queries):
    for i in range(12):
        complaints.complaint_file(actor=enterprise_user, subject=f"投诉{i}", content="c")
    client.force_login(center)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("audit:complaint-list"))
    assert response.status_code == 200 and response.content.decode().count("投诉1") >= 3


def test_admin_buttons_call_the_services(client, filed, center):
    client.force_login(center)
    change = reverse("admin:supervision_complaint_change", args=[filed.pk])
    assert "开始调查（由我承办）" in client.get(change).content.decode()
    client.post(change, {"_fsm_transition_to": "start_investigation"})
    assert Complaint.objects.get(pk=filed.pk).state == "investigating"
    form_url = reverse("admin:supervision_complaint_transition", args=[filed.pk, "resolve"])
    client.post(form_url, {"findings": "已督促整改"})
    complaint = Complaint.objects.get(pk=filed.pk)
    assert complaint.state == "resolved" and complaint.findings == "已督促整改"
    assert AuditEvent.objects.filter(action="complaint.resolve", actor=center).exists()


def test_listing_complaints_needs_a_login(api_client):
    assert api_client.get(API).status_code == 401


def test_a_deadline_in_a_year_without_the_official_schedule_is_marked_provisional(set_clock, enterprise_user,
                                                                                   client, center):
    set_clock("2026-06-01T09:00:00+08:00")
    official = complaints.complaint_file(actor=enterprise_user, subject="s", content="c")
    set_clock("2027-09-20T09:00:00+08:00")  # 15 working days run across 国庆's customary bridge days
    provisional = complaints.complaint_file(actor=enterprise_user, subject="s", content="c")
    assert (official.due_on_provisional, provisional.due_on_provisional) == (False, True)
    client.force_login(center)
    assert "（暂定）" in client.get(reverse("audit:complaint-detail", args=[provisional.pk])).content.decode()


def test_the_bureau_goes_from_a_complaint_to_a_sanction_form(client, make_user, enterprise_user, center):
    provider = make_user(role=Role.PROVIDER).organisation
    complaint = complaints.complaint_file(actor=enterprise_user, subject="s", content="c",
                                          object_type="provider", object_id=str(provider.pk))
    url = reverse("audit:complaint-detail", args=[complaint.pk])
    client.force_login(center)
    assert 'data-testid="sanction-link"' not in client.get(url).content.decode()
    client.force_login(make_user(role=Role.BUREAU))
    assert f"?organisation={provider.pk}" in client.get(url).content.decode()
    form_page = client.get(reverse("audit:sanction-list"), {"organisation": provider.pk}).content.decode()
    assert f'<option value="{provider.pk}" selected>' in form_page


# --- who before where, and the actions offered ------------------------------------------------------------

def test_closing_asks_who_before_where(filed, center, make_user):
    colleague = make_user(role=Role.SERVICE_CENTER)
    # given a received complaint already assigned to a colleague
    complaints.complaint_assign(actor=center, complaint=filed, handler=colleague)
    # when the bureau (never a handler) or the service center official it is not assigned to tries to close
    # it before any investigation: 403 — not a hint that the state does not allow it yet
    for actor in (make_user(role=Role.BUREAU), center):
        with pytest.raises(NotPermitted) as refused:
            complaints.complaint_resolve(actor=actor, complaint=filed, findings="已处理")
        assert refused.value.status == 403
    # then the assigned handler learns the state does not allow it (409)
    with pytest.raises(InvalidTransition) as wrong_state:
        complaints.complaint_resolve(actor=colleague, complaint=filed, findings="已处理")
    assert wrong_state.value.status == 409 and wrong_state.value.detail == "只有调查中的投诉可以办结"


def test_only_the_handler_is_offered_closing_the_others_handing_over(api_as, filed, center, make_user, client):
    colleague = make_user(role=Role.SERVICE_CENTER)
    complaints.complaint_start_investigation(actor=center, complaint=filed)
    url = f"{API}{filed.pk}/"
    # then the API offers what each may do now
    assert set(api_as(center).get(url).json()["available_actions"]) == {"resolve", "dismiss", "assign"}
    assert api_as(colleague).get(url).json()["available_actions"] == ["assign"]
    assert api_as(make_user(role=Role.BUREAU)).get(url).json()["available_actions"] == []
    # and so does the page: the colleague sees no 办结 form, only the hand-over
    client.force_login(colleague)
    page = client.get(reverse("audit:complaint-detail", args=[filed.pk])).content.decode()
    assert 'data-testid="findings-form"' not in page and "转交" in page
    # the handler closes it; nothing is offered any more
    complaints.complaint_resolve(actor=center, complaint=filed, findings="已处理")
    assert api_as(center).get(url).json()["available_actions"] == []
    client.force_login(center)
    assert 'data-testid="complaint-actions"' not in client.get(
        reverse("audit:complaint-detail", args=[filed.pk])).content.decode()


def test_each_complaint_step_is_its_own_operation_with_the_input_it_takes(api_as, filed, center):
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    def body(step):
        ref = schema["paths"][f"/api/v1/complaints/{{id}}/{step}/"]["post"]["requestBody"]["content"][
            "application/json"]["schema"]["$ref"]
        return set(schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"])

    assert body("start-investigation") == body("assign") == {"handler"}
    assert body("resolve") == body("dismiss") == {"findings"}
    # an action the workflow does not have is no page
    assert _transition(api_as, center, filed, "reopen").status_code == 404
