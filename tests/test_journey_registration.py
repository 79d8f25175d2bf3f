"""Registration end to end in the browser: an enterprise signs up → fills the wizard (each step saved) →
uploads the 第九条 documents → submits → the service center pre-reviews and approves in the admin → the
enterprise sees its annual quota."""
import pytest

from hangqifu.accounts.roles import Role, sync_role_groups
from hangqifu.accounts.tests.factories import PASSWORD
from hangqifu.accounts.validators import make_credit_code
from hangqifu.documents.tests.factories import pdf_bytes
from registration.models import Qualification, RegistrationApplication
from registration.selectors.eligibility import REQUIRED_DOCUMENTS

from .browser_steps import fill_form
from .page_checks import assert_primary_action, check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIGNUP_PASSWORD = "Journey-pass-2026"


def _upload(page, kind, honour=None):
    page.select_option("select[name=kind]", kind)
    if honour:
        page.select_option("select[name=honour]", honour)
    page.set_input_files("input[name=file]", files=[
        {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(kind)}])
    page.click("form[enctype] button[type=submit]")
    page.wait_for_selector(".msg-success")


def test_enterprise_signs_up_registers_and_sees_its_quota(live_server, page, login, set_clock, make_user, click_nav):
    set_clock("2026-06-01T09:00:00+08:00")
    sync_role_groups()  # the transactional flush left the groups without this app's permissions
    center = make_user(role=Role.SERVICE_CENTER)
    page.on("dialog", lambda dialog: dialog.accept())
    url = live_server.url

    # sign up
    page.goto(f"{url}/accounts/signup/")
    fill_form(page, {"kind": "enterprise", "organisation_name": "杭州旅程智能科技有限公司",
                     "credit_code": make_credit_code("91330106MA2J12345"), "username": "journey-co",
                     "password": SIGNUP_PASSWORD, "password_again": SIGNUP_PASSWORD})
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/home/")

    # the wizard: each step saves the draft
    click_nav(page, "注册认定")
    page.get_by_test_id("start-registration").click()
    fill_form(page, {"established_on": "2020-03-01", "district": "binjiang"})
    page.check("input[name=independent_legal_person]")
    page.click("text=保存并继续")
    page.wait_for_selector("select[name=industry]")
    assert RegistrationApplication.objects.get().state == "draft"
    fill_form(page, {"industry": "software_it", "sector": "digital_economy", "employees": "30", "revenue": "5000000",
                     "total_assets": "3000000"})
    page.click("text=保存并继续")
    page.check("input[name=honours][value=innovative_sme]")
    page.click("text=保存并继续")
    page.wait_for_selector("input[name=file]")
    assert RegistrationApplication.objects.get().employees == 30
    for kind in REQUIRED_DOCUMENTS["enterprise"]:
        _upload(page, kind)
    _upload(page, "honour_evidence", honour="innovative_sme")
    page.click("text=下一步：确认提交")
    assert "✘" not in page.get_by_test_id("checklist").inner_text()
    page.click("text=提交申请")
    assert page.get_by_test_id("registration-state").inner_text() == "已提交，待形式预审"

    # the service center pre-reviews and approves in the admin, on an office screen
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1366, "height": 768})
    login(center.username, PASSWORD)
    page.goto(f"{url}/admin/registration/registrationapplication/?state__exact=submitted")
    check_page(page)
    page.click("text=杭州旅程智能科技有限公司")
    assert "✘" not in page.get_by_test_id("checklist").inner_text()
    for decision in ("pre-review-pass", "return", "reject"):
        assert_primary_action(page, page.get_by_test_id(decision))
    page.get_by_test_id("pre-review-pass").click()
    page.wait_for_selector("text=形式预审已通过")
    page.fill("#review-opinion", "同意认定")
    assert_primary_action(page, page.get_by_test_id("approve"))
    page.get_by_test_id("approve").click()
    page.wait_for_selector("text=已认定资格并核定年度额度")
    assert Qualification.objects.get().tier == "tier2"

    # the enterprise sees its quota
    page.context.clear_cookies()
    login("journey-co", SIGNUP_PASSWORD)
    click_nav(page, "我的资格与额度")
    assert page.get_by_test_id("quota").inner_text() == "¥10,000.00"
    assert page.get_by_test_id("headroom").inner_text() == "¥10,000.00"
