"""Pages and admin screens of registration: the wizard saves each step and shows Chinese errors, scoping
(404), the status page, my qualification, the service center's pending work and admin review actions."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hangqifu.accounts.roles import Role, sync_role_groups
from hangqifu.accounts.validators import make_credit_code
from hangqifu.core import clock
from hangqifu.documents.tests.factories import pdf_upload
from registration.models import CreditListEntry, Qualification, RegistrationApplication
from registration.services import change_reports as change_services
from registration.tests.factories import make_registration

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_2026")]


@pytest.fixture
def browser_of(client):
    def _as(user):
        client.logout()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client
    return _as


def test_wizard_saves_each_step_and_shows_chinese_errors(enterprise, browser_of):
    client = browser_of(enterprise)
    response = client.post("/vouchers/registration/new/", {"name": "甲", "established_on": "2026-06-02",
                                                            "district": "xihu"})
    assert "成立日期不能晚于今天" in response.content.decode()
    assert RegistrationApplication.objects.count() == 0
    response = client.post("/vouchers/registration/new/", {"name": "甲公司", "established_on": "2019-01-01",
                                                            "district": "xihu", "independent_legal_person": "on"})
    registration = RegistrationApplication.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/{registration.pk}/step/2/")
    response = client.post(response.url, {"industry": "software_it", "sector": "other", "employees": "5",
                                          "revenue": "100000", "total_assets": "100000"})
    assert "服务券仅支持制造业或数字经济领域" in response.content.decode()
    assert RegistrationApplication.objects.get().sector == ""
    response = client.post(f"/vouchers/registration/{registration.pk}/step/2/", {
        "industry": "software_it", "sector": "digital_economy", "employees": "5", "revenue": "100000",
        "total_assets": "100000"})
    assert response.status_code == 302
    saved = RegistrationApplication.objects.get()
    assert (saved.employees, saved.wizard_step) == (5, 3)
    page = client.get(f"/vouchers/registration/{registration.pk}/step/5/").content.decode()
    assert "尚缺材料" in page and "微型企业" in page
    response = client.post(f"/vouchers/registration/{registration.pk}/submit/", follow=True)
    page = response.content.decode()
    # the refusal points at the missing-materials list, which the page prints once
    assert "尚有材料未上传" in page and "请先上传" not in page and "尚缺材料：" in page
    assert RegistrationApplication.objects.get().state == "draft"
    # the start page now leads back to the saved draft
    assert client.get("/vouchers/registration/new/").url == f"/vouchers/registration/{registration.pk}/"


def test_upload_step_refuses_a_fake_pdf_with_a_message(enterprise, browser_of):
    registration = make_registration(enterprise)
    response = browser_of(enterprise).post(f"/vouchers/registration/{registration.pk}/step/4/", {
        "kind": "business_licence", "file": SimpleUploadedFile("licence.pdf", b"this is text")})
    assert "只接受 PDF、JPG、PNG" in response.content.decode()


def test_other_organisations_pages_are_404(enterprise, make_user, browser_of):
    registration = make_registration(enterprise, state="submitted")
    client = browser_of(make_user(role=Role.ENTERPRISE))
    for url in (f"/vouchers/registration/{registration.pk}/", f"/vouchers/registration/{registration.pk}/step/1/",
                f"/vouchers/registration/{registration.pk}/commitment-letter/"):
        assert client.get(url).status_code == 404


def test_status_page_shows_opinion_and_timeline_and_my_quota(enterprise, reviewer, browser_of):
    from registration.services import registration as services
    from registration.services import review as review_services

    registration = make_registration(enterprise, state="returned", reviewer=reviewer)
    page = browser_of(enterprise).get(f"/vouchers/registration/{registration.pk}/").content.decode()
    assert "材料不清晰" in page and "提交注册认定申请" in page and "退回修改" in page and "修改后重新提交" in page
    services.registration_submit(actor=enterprise, registration=registration)
    review_services.registration_pre_review(actor=reviewer, registration=registration, passed=True)
    review_services.registration_approve(actor=reviewer, registration=registration)
    page = browser_of(enterprise).get("/vouchers/qualification/").content.decode()
    assert "¥5,000.00" in page and "基础额度" in page


def test_service_center_home_lists_pending_reviews(enterprise, reviewer, browser_of):
    make_registration(enterprise, state="submitted")
    page = browser_of(reviewer).get("/home/").content.decode()
    assert "待形式预审的注册认定申请" in page


def test_admin_queue_filters_checklist_and_review_actions(enterprise, reviewer, browser_of, make_user):
    sync_role_groups()
    registration = make_registration(enterprise, state="submitted")
    CreditListEntry.objects.create(list_kind="severe_dishonesty", credit_code=registration.credit_code,
                                   listed_on="2026-01-01")
    client = browser_of(reviewer)
    base = "/admin/registration/registrationapplication/"
    for query in ("", "?state__exact=submitted", "?overdue=yes", "?claimed_tier__exact=default", "?district=xihu",
                  "?sector=digital_economy"):
        assert client.get(base + query).status_code == 200, query
    page = client.get(f"{base}{registration.pk}/change/").content.decode()
    assert "严重失信主体名单" in page and "形式预审通过" in page and "营业执照" in page
    # the failing list check blocks the pre-review; it offers no override, and a posted one is refused
    assert 'name="override_credit_lists"' not in page and "不可人工调整" in page
    client.post(f"{base}{registration.pk}/review/", {"action": "pre_review"})
    assert RegistrationApplication.objects.get().state == "submitted"
    client.post(f"{base}{registration.pk}/review/", {"action": "pre_review", "override_credit_lists": "已移出名单"})
    assert RegistrationApplication.objects.get().state == "submitted"
    CreditListEntry.objects.update(removed_on="2026-02-01")  # delisted (the list itself ended the entry)
    client.post(f"{base}{registration.pk}/review/", {"action": "pre_review"})
    assert RegistrationApplication.objects.get().state == "pre_reviewed"
    client.post(f"{base}{registration.pk}/review/", {"action": "approve", "opinion": "同意"})
    qualification = Qualification.objects.get()
    response = client.post(f"/admin/registration/qualification/{qualification.pk}/state/",
                           {"action": "suspend", "reason": "核查中"})
    assert response.status_code == 302 and Qualification.objects.get().state == "suspended"
    assert client.get(f"/admin/registration/qualification/{qualification.pk}/change/").status_code == 200
    # an enterprise user cannot reach the admin actions
    outsider = browser_of(enterprise)
    outsider.post(f"/admin/registration/qualification/{qualification.pk}/state/", {"action": "reinstate", "reason": "x"})
    assert Qualification.objects.get().state == "suspended"


def test_the_admin_links_from_before_registration_had_its_own_app_still_land(reviewer, browser_of, client):
    """Notifications already sent and bookmarks name /admin/vouchers/<registration model>/…: they redirect to the
    same page under /admin/registration/, query string kept; the money core's admin pages are not touched."""
    response = client.get("/admin/vouchers/registrationapplication/?state__exact=submitted")
    assert response.status_code == 301
    assert response["Location"] == "/admin/registration/registrationapplication/?state__exact=submitted"
    assert client.get("/admin/vouchers/changereport/7/change/")["Location"] == "/admin/registration/changereport/7/change/"
    sync_role_groups()
    assert browser_of(reviewer).get("/admin/vouchers/creditlistentry/", follow=True).status_code == 200
    assert client.get("/admin/vouchers/voucher/").status_code != 301


def test_admin_import_of_a_list(reviewer, browser_of):
    sync_role_groups()
    client = browser_of(reviewer)
    code = make_credit_code("91330106MA2H00077")
    csv_file = SimpleUploadedFile("list.csv", f"统一社会信用代码,名称,列入日期\n{code},某公司,2026-01-05\n".encode())
    response = client.post("/admin/registration/creditlistentry/import/", {"file": csv_file,
                                                                        "list_kind": "judgment_defaulter"})
    assert response.status_code == 302
    assert CreditListEntry.objects.get().list_kind == "judgment_defaulter"
    bad = SimpleUploadedFile("list.csv", "统一社会信用代码,名称,列入日期\n123,某公司,2026-01-05\n".encode())
    response = client.post("/admin/registration/creditlistentry/import/", {"file": bad, "list_kind": "judgment_defaulter"})
    assert "第 2 行" in response.content.decode() and CreditListEntry.objects.count() == 1


def test_park_wizard_skips_the_size_step_and_asks_for_park_documents(make_user, browser_of):
    park = make_user(role=Role.PARK)
    client = browser_of(park)
    response = client.post("/vouchers/registration/new/", {"name": "某园区运营公司", "established_on": "2016-01-01",
                                                            "district": "yuhang"})
    registration = RegistrationApplication.objects.get()
    assert registration.kind == "park" and response.url.endswith(f"/{registration.pk}/step/3/")
    assert client.get(f"/vouchers/registration/{registration.pk}/step/2/").status_code == 404
    page = client.get(f"/vouchers/registration/{registration.pk}/step/3/").content.decode()
    assert "高星级小微企业园" in page and "国家专精特新" not in page
    page = client.get(f"/vouchers/registration/{registration.pk}/step/4/").content.decode()
    assert "园区运营主体证明" in page and "纳税证明" not in page


def test_each_decision_panel_names_the_form_that_posts_to_its_decision_page(enterprise, reviewer, browser_of):
    """The admin's decision panels stand inside its own change form: their fields and buttons name (form=…) the
    one empty form placed after it, which posts to the object's decision page; with nothing to decide, neither."""
    sync_role_groups()
    registration = make_registration(enterprise, state="approved", reviewer=reviewer)
    report = change_services.change_report_create(actor=enterprise, change_kind="major_change",
                                                  change_date=clock.today(), description="主营业务调整",
                                                  evidence=pdf_upload("证明.pdf"))
    client = browser_of(reviewer)
    for base, decision, button in [
            (f"/admin/registration/qualification/{Qualification.objects.get().pk}/", "state", 'value="suspend"'),
            (f"/admin/registration/changereport/{report.pk}/", "review", "核查完毕")]:
        page = client.get(f"{base}change/").content.decode()
        assert f'<form method="post" action="{base}{decision}/" id="decision-form">' in page
        assert '<button type="submit" form="decision-form"' in page and button in page
    decided = client.get(f"/admin/registration/registrationapplication/{registration.pk}/change/").content.decode()
    assert 'id="decision-form"' not in decided and 'form="decision-form"' not in decided
