"""The registration API of API.md: status codes, error codes, scoping (404 for another organisation),
available_actions, multipart documents, the commitment letter and the staff list's query count."""
import io

import pytest
from pypdf import PdfReader

from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import UserFactory
from hangqifu.documents.tests.factories import pdf_upload, upload
from registration.models import RegistrationApplication
from registration.selectors.registration import visible_qualifications, visible_registrations
from registration.tests.factories import data_for, make_registration

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_2026")]
BASE = "/api/v1/registrations/"


def body_for(user, **overrides):
    data = data_for(user, **overrides)
    data["established_on"] = str(data["established_on"])
    return data


def test_create_upload_submit_pre_review_approve_over_the_api(enterprise, reviewer, api_as):
    client, staff = api_as(enterprise), api_as(reviewer)
    response = client.post(BASE, body_for(enterprise, honours=["innovative_sme"]), format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["state"] == "draft" and created["year"] == 2026 and created["available_actions"] == ["submit"]
    pk = created["id"]
    for kind in created["required_documents"]:
        assert client.post(f"{BASE}{pk}/documents/", {"kind": kind, "file": pdf_upload(f"{kind}.pdf")},
                           format="multipart").status_code == 201
    response = client.post(f"{BASE}{pk}/documents/", {"kind": "honour_evidence", "honour": "innovative_sme",
                                                      "file": pdf_upload("创新型.pdf")}, format="multipart")
    assert response.status_code == 201 and response.json()["kind"] == "honour_evidence"
    response = client.post(f"{BASE}{pk}/submit/", format="json")
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    assert response.json()["available_actions"] == []
    detail = staff.get(f"{BASE}{pk}/").json()
    assert set(detail["available_actions"]) == {"pre-review", "return", "reject"}
    assert all(item["passed"] for item in detail["checklist"]) and len(detail["documents"]) == 7
    response = staff.post(f"{BASE}{pk}/pre-review/", {"passed": True, "opinion": "齐全"}, format="json")
    assert response.json()["state"] == "pre_reviewed"
    response = staff.post(f"{BASE}{pk}/approve/", {"confirmed_honours": ["innovative_sme"]}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "approved"
    rows = client.get("/api/v1/qualifications/?year=2026").json()["results"]
    assert [{k: r[k] for k in ("year", "quota", "used", "remaining", "tier", "state")} for r in rows] == [
        {"year": 2026, "quota": "10000.00", "used": "0.00", "remaining": "10000.00", "tier": "tier2",
         "state": "active"}]
    assert client.get("/api/v1/qualifications/?year=2025").json()["count"] == 0


def test_another_organisation_gets_404_for_reading_and_acting(enterprise, make_user, api_as):
    registration = make_registration(enterprise, state="submitted")
    intruder = api_as(make_user(role=Role.ENTERPRISE))
    for method, path in (("get", ""), ("post", "submit/"), ("post", "documents/"), ("get", "commitment-letter/"),
                         ("patch", "")):
        response = getattr(intruder, method)(f"{BASE}{registration.pk}/{path}", {}, format="json")
        assert response.status_code == 404, (path, response.content)
        assert response.json()["code"] == "not_found"
    assert intruder.get(BASE).json()["count"] == 0


def test_wrong_role_403_wrong_state_409(enterprise, reviewer, api_as):
    registration = make_registration(enterprise, state="submitted")
    response = api_as(enterprise).post(f"{BASE}{registration.pk}/pre-review/", {"passed": True}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    response = api_as(reviewer).post(f"{BASE}{registration.pk}/approve/", {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    response = api_as(reviewer).post(BASE, body_for(enterprise), format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("overrides,status,code,field", [
    ({"credit_code": "91330106MA0000001Z"}, 400, "invalid", "credit_code"),
    ({"established_on": "2027-01-01"}, 400, "invalid", "established_on"),
    ({"established_on": "2025-12-01"}, 409, "not_eligible", "established_on"),
    ({"sector": "other"}, 409, "not_eligible", "sector"),
    ({"district": "atlantis"}, 400, "invalid", "district"),
    ({"honours": ["best_company"]}, 400, "invalid", "honours"),
])
def test_bad_input_gets_a_structured_error_and_nothing_is_saved(enterprise, api_as, overrides, status, code, field):
    response = api_as(enterprise).post(BASE, body_for(enterprise, **overrides), format="json")
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code and field in response.json()["fields"]
    assert response.json()["detail"]
    assert RegistrationApplication.objects.count() == 0


@pytest.mark.parametrize("overrides,field", [
    ({"credit_code": "91330106MA00000010"}, "credit_code"),  # bad check digit
    ({"established_on": "2026-06-02"}, "established_on"),  # future
    ({"revenue": "-1"}, "revenue"),
    ({"honours": ["high_star_park"]}, "honours"),  # a park's honour
])
def test_malformed_registration_input_is_refused_by_the_parser(enterprise, api_as, overrides, field):
    response = api_as(enterprise).post(BASE, body_for(enterprise, **overrides), format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid", response.json()
    assert field in response.json()["fields"]
    assert RegistrationApplication.objects.count() == 0


def test_duplicate_and_document_errors(enterprise, api_as):
    client = api_as(enterprise)
    pk = client.post(BASE, body_for(enterprise), format="json").json()["id"]
    response = client.post(BASE, body_for(enterprise), format="json")
    assert response.status_code == 409 and response.json()["code"] == "duplicate_registration"
    response = client.post(f"{BASE}{pk}/documents/", {"kind": "business_licence",
                                                      "file": upload("licence.png", b"GIF89a....")},
                           format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "invalid_document"
    response = client.post(f"{BASE}{pk}/submit/", format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_document"
    assert RegistrationApplication.objects.get(pk=pk).state == "draft"


def test_pre_review_overrides_need_reasons(enterprise, reviewer, api_as):
    registration = make_registration(enterprise, state="submitted")
    response = api_as(reviewer).post(f"{BASE}{registration.pk}/pre-review/", {
        "passed": True, "overrides": {"legal_person": {"passed": True}}}, format="json")
    assert response.status_code == 400 and "overrides" in response.json()["fields"]
    response = api_as(reviewer).post(f"{BASE}{registration.pk}/pre-review/", {"passed": False, "opinion": ""},
                                     format="json")
    assert response.status_code == 400 and response.json()["fields"] == {"opinion": ["请填写审核意见"]}


def test_commitment_letter_is_a_chinese_pdf_prefilled_from_the_application(enterprise, api_as):
    registration = make_registration(enterprise)
    response = api_as(enterprise).get(f"{BASE}{registration.pk}/commitment-letter/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "中小微企业划型承诺函" in text and registration.credit_code in text and "小型企业" in text


def test_staff_list_query_count_does_not_grow_with_rows(reviewer, make_user, api_as, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            make_registration(make_user(role=Role.ENTERPRISE))
    add(3)
    client = api_as(reviewer)
    with django_assert_max_num_queries(8) as few:
        assert client.get(BASE).json()["count"] == 3
    add(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"{BASE}?state=draft&district=xihu&tier=default")
    assert response.json()["count"] == 15 and len(response.json()["results"]) == 15


def test_change_report_over_the_api(enterprise, reviewer, api_as, make_user):
    make_registration(enterprise, state="approved", reviewer=reviewer)
    client = api_as(enterprise)
    response = client.post("/api/v1/change-reports/", {
        "change_kind": "size_reclassification", "change_date": "2026-05-20", "new_size_class": "medium",
        "description": "员工增至 120 人", "evidence": pdf_upload("社保名单.pdf")}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["deadline"] == "2026-06-10" and response.json()["is_late"] is False
    pk = response.json()["id"]
    assert api_as(make_user(role=Role.ENTERPRISE)).get(f"/api/v1/change-reports/{pk}/").status_code == 404
    response = client.post("/api/v1/change-reports/", {"change_kind": "major_change", "change_date": "2026-05-20",
                                                       "description": "x"}, format="multipart")
    assert response.status_code == 400 and "evidence" in response.json()["fields"]
    response = api_as(reviewer).post(f"/api/v1/change-reports/{pk}/review/", {"opinion": "已核实"}, format="json")
    assert response.json()["state"] == "reviewed"


def test_qualification_suspend_via_api(enterprise, reviewer, api_as):
    registration = make_registration(enterprise, state="approved", reviewer=reviewer)
    qualification = registration.qualifications.get()
    url = f"/api/v1/qualifications/{qualification.pk}/suspend/"
    assert api_as(enterprise).post(url, {"reason": "x"}, format="json").status_code == 403
    response = api_as(reviewer).post(url, {"reason": "逾期未报告变更"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "suspended"
    response = api_as(reviewer).post(url, {"reason": "再次"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"


def test_overdue_filter_lists_applications_waiting_past_their_review_deadline(enterprise, reviewer, api_as,
                                                                             set_clock):
    registration = make_registration(enterprise, state="submitted")
    assert str(registration.review_due_on) == "2026-06-15"   # 10 working days after 1 June
    client = api_as(reviewer)
    assert client.get(f"{BASE}?overdue=true").json()["count"] == 0
    set_clock("2026-06-16T09:00:00+08:00")
    assert [r["id"] for r in client.get(f"{BASE}?overdue=true").json()["results"]] == [registration.pk]


def test_qualifications_are_scoped_to_the_holder(enterprise, reviewer, make_user, api_as):
    make_registration(enterprise, state="approved", reviewer=reviewer)
    make_registration(make_user(role=Role.ENTERPRISE), state="approved", reviewer=reviewer)
    assert api_as(enterprise).get("/api/v1/qualifications/").json()["count"] == 1
    assert api_as(reviewer).get("/api/v1/qualifications/?year=2026").json()["count"] == 2
    assert api_as(make_user(role=Role.PROVIDER)).get("/api/v1/qualifications/").json()["count"] == 0


def test_registrations_are_read_by_staff_only_with_the_second_factor(enterprise, reviewer, make_user):
    make_registration(enterprise, state="approved", reviewer=reviewer)
    unenrolled = UserFactory(role=Role.SERVICE_CENTER, second_factor=False)
    assert visible_registrations(user=reviewer).count() == 1
    assert visible_registrations(user=unenrolled).count() == visible_qualifications(user=unenrolled).count() == 0
    assert visible_registrations(user=enterprise).count() == 1
    assert visible_registrations(user=make_user(role=Role.ENTERPRISE)).count() == 0
