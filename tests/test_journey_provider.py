"""Provider admission end to end in the browser: the provider applies → the service center pre-reviews and
assigns an expert → the expert scores → the bureau confirms (public notice) → the notice closes on the test
clock → the provider lists a product → the service center approves → it appears in the public catalogue."""
from datetime import timedelta

import pytest

from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import PASSWORD
from hangqifu.documents.tests.factories import pdf_bytes
from hangqifu.notices.models import PublicNotice
from hangqifu.notices.services import notices_close_expired
from providers.models import Product, ProviderApplication
from providers.models.applications import REQUIRED_APPLICATION_DOCUMENTS
from providers.tests.factories import JUDGEMENTS_MET, SelectionRoundFactory, provider_user

from .browser_steps import fill_form, upload_documents
from .page_checks import assert_primary_action, check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _switch(page, login, user):
    page.context.clear_cookies()
    return login(user.username, PASSWORD)


def test_provider_is_admitted_and_lists_a_product(live_server, page, login, set_clock, make_user):
    set_clock("2026-06-01T09:00:00+08:00")
    page.set_viewport_size({"width": 1366, "height": 768})  # the staff review screens, on an office screen
    SelectionRoundFactory(title="2026年第二批服务机构遴选")
    provider = provider_user()
    center, bureau = make_user(role=Role.SERVICE_CENTER), make_user(role=Role.BUREAU)
    expert = make_user(role=Role.EXPERT)

    # the provider applies and uploads the 第十五条 materials
    login(provider.username, PASSWORD)
    page.goto(f"{live_server.url}/providers/applications/new/")
    fill_form(page, {"established_on": "2019-03-01", "district": "binjiang", "revenue": "4800000",
                     "professional_staff": "11", "cases_last_year": "25"})
    page.check("input[name=categories][value=digital_empowerment]")
    fill_form(page, {"products-0-category": "digital_empowerment", "products-0-title": "工业互联网上云辅导",
                     "products-0-description": "设备联网评估、上云方案、实施辅导",
                     "products-0-deliverables": "上云方案与实施报告", "products-0-duration_days": "40",
                     "products-0-price": "26000", "products-0-last_year_average_price": "25000",
                     "products-0-cases_last_year": "7"})
    page.click("main button:has-text('保存申请')")
    page.wait_for_url("**/providers/applications/*/")
    upload_documents(page, REQUIRED_APPLICATION_DOCUMENTS)
    assert page.locator("[data-key=materials]").get_attribute("class") == "pass"
    page.click("text=提交申请")
    assert page.get_by_test_id("application-state").inner_text() == "已提交，待预审"
    application = ProviderApplication.objects.get()
    detail = f"{live_server.url}/providers/applications/{application.pk}/"

    # the service center pre-reviews and assigns the expert
    _switch(page, login, center)
    page.goto(detail)
    assert_primary_action(page, page.locator("[data-testid=pre-review-form] button[type=submit]"))
    page.check("[data-testid=pre-review-form] input[name=passed][value='1']")
    page.fill("[data-testid=pre-review-form] textarea[name=opinion]", "材料齐全")
    for key, entry in JUDGEMENTS_MET.items():
        page.check(f"[data-testid=pre-review-form] input[name=met_{key}]")
        page.fill(f"[data-testid=pre-review-form] input[name=note_{key}]", entry["note"])
    page.click("[data-testid=pre-review-form] button[type=submit]")
    page.check(f"[data-testid=assign-form] input[name=experts][value='{expert.pk}']")
    page.click("[data-testid=assign-form] button[type=submit]")
    page.wait_for_selector(".msg-success")

    # the expert scores on the rubric
    _switch(page, login, expert)
    page.goto(f"{live_server.url}/providers/reviews/")
    page.click(f"text={application.name}")
    fill_form(page, {"qualifications": "18", "service_capability": "22", "cases": "21", "price_reasonableness": "13",
                     "after_sales": "12", "opinion": "服务能力强，案例真实，建议入选"}, within="[data-testid=review-form]")
    page.click("[data-testid=review-form] button[type=submit]")
    page.wait_for_selector(".msg-success")
    check_page(page)

    # the bureau confirms: the public notice opens
    _switch(page, login, bureau)
    page.goto(detail)
    page.fill("[data-testid=decision-form] textarea[name=opinion]", "同意入选")
    assert_primary_action(page, page.get_by_role("button", name="确认入选并发布公示"))
    page.click("text=确认入选并发布公示")
    assert page.get_by_test_id("application-state").inner_text() == "公示中"

    # the notice window passes on the test clock and the closing job runs
    notice = PublicNotice.objects.get(kind="provider_admission")
    set_clock(notice.closes_at + timedelta(hours=1))
    notices_close_expired()

    # the admitted provider submits its product with the price evidence
    _switch(page, login, provider)
    page.goto(detail)
    assert page.get_by_test_id("application-state").inner_text() == "已入驻"
    product = Product.objects.get()
    page.goto(f"{live_server.url}/providers/products/{product.pk}/")
    page.set_input_files("[data-testid=evidence-form] input[name=file]",
                         files=[{"name": "合同.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("contract")}])
    page.click("[data-testid=evidence-form] button[type=submit]")
    page.click("text=提交审核")
    assert page.get_by_test_id("product-state").inner_text() == "待审核"

    # the service center sees the price flag and approves
    _switch(page, login, center)
    page.goto(f"{live_server.url}/providers/products/{product.pk}/")
    assert page.get_by_test_id("price-flag").is_visible()
    page.click("text=审核通过并上架")
    assert page.get_by_test_id("product-state").inner_text() == "已上架"

    # anyone finds it in the public catalogue
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/providers/catalogue/?q=上云&district=binjiang")
    row = page.get_by_test_id("catalogue").locator("tbody tr").first
    assert "工业互联网上云辅导" in row.inner_text() and provider.organisation.name in row.inner_text()
    row.locator("a").first.click()
    assert page.get_by_test_id("price").inner_text() == "¥26,000.00"
