"""Redemption end to end in the browser (第十一、十三条): the provider sees its cap, files a claim for a deducted
order and uploads the documents → the service center pre-reviews in the admin → the bureau approves → the
service center opens and closes a settlement batch → the bureau approves it and publishes the notice → the
notice closes on the test clock → the bureau signs and the finance bureau co-signs → the district confirms
the QinQing payment → the provider sees its claim paid. Orders are made with factories (ordering has its own
journey). It runs at 390 × 844 and 1366 × 768: every page visited passes the page checks (axe-core, no sideways
scrolling, no raw codes) and each role's primary action is on screen without scrolling sideways."""
from datetime import timedelta

import pytest

from hangqifu.accounts.roles import Role, sync_role_groups
from hangqifu.accounts.tests.factories import PASSWORD
from hangqifu.notices.services import notices_close_expired
from hangqifu.policy.models import PolicyYear
from redemption.models import REQUIRED_DOCUMENT_KINDS, DisbursementOrder, RedemptionClaim, SettlementBatch
from redemption.tests.factories import deducted_order, district_user, provider_user

from .browser_steps import upload_documents
from .page_checks import assert_primary_action as primary, check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 768}


def _as(page, login, user):
    page.context.clear_cookies()
    page = login(user.username, PASSWORD)
    check_page(page)  # the role's home
    return page


def _open_and_close_batch(page, login, center, click_nav, payment_expected_on=None):
    """The service center opens a batch for May–June from the batch list and closes it (collection runs)."""
    _as(page, login, center)
    click_nav(page, "兑付结算批次")
    page.fill("input[name=period_start]", "2026-05-01")
    page.fill("input[name=period_end]", "2026-06-30")
    if payment_expected_on:
        page.fill("input[name=payment_expected_on]", payment_expected_on)
    page.click("[data-testid=batch-form] button[type=submit]")
    page.get_by_test_id("batch-close").click()
    page.wait_for_selector("[data-testid=batch-state]:has-text('已归集，待审批')")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1366x768"])
def test_provider_claim_to_district_payment(live_server, page, login, set_clock, make_user, click_nav, viewport):
    page.set_viewport_size(viewport)
    set_clock("2026-06-01T09:00:00+08:00")
    sync_role_groups()
    for year in (2026, 2027):  # transactional tests flush the tables, seeded policy years included
        PolicyYear.objects.get_or_create(year=year)
    provider = provider_user("xihu", name="杭州旅程数字服务有限公司")
    order = deducted_order(provider.organisation, amount="12000.00", deduction="6000.00")
    center, bureau = make_user(role=Role.SERVICE_CENTER), make_user(role=Role.BUREAU)
    finance, officer = make_user(role=Role.FINANCE_BUREAU), district_user("xihu")
    page.on("dialog", lambda dialog: dialog.accept())
    url = live_server.url

    # the provider sees its cap, files the claim and uploads the 第十一条 documents
    _as(page, login, provider)
    click_nav(page, "兑付申请")
    assert page.get_by_test_id("cap-remaining").inner_text() == "¥500,000.00"
    primary(page, page.get_by_test_id("new-claim"))
    page.get_by_test_id("new-claim").click()
    page.check(f"input[name=order_{order.pk}]")
    page.fill(f"input[name=invoice_number_{order.pk}]", "33012600001234")
    page.fill(f"input[name=invoice_amount_{order.pk}]", "12000.00")
    page.click("text=创建兑付申请")
    assert "发票金额应为订单实际金额" in page.locator(".msg-error").inner_text()
    page.fill(f"input[name=invoice_amount_{order.pk}]", "6000.00")
    page.click("text=创建兑付申请")
    page.wait_for_url("**/redemption/claims/*/")
    upload_documents(page, REQUIRED_DOCUMENT_KINDS)
    primary(page, page.get_by_test_id("submit-claim"))
    page.get_by_test_id("submit-claim").click()
    assert page.get_by_test_id("claim-state").inner_text() == "待形式预审"
    check_page(page)
    claim = RedemptionClaim.objects.get()

    # the service center pre-reviews in the admin; the bureau approves
    _as(page, login, center)
    page.goto(f"{url}/admin/redemption/redemptionclaim/?state__exact=submitted")
    check_page(page)
    page.click(f"text={claim.number}")
    page.fill("#review-opinion", "材料齐全，核定 6,000 元")
    for decision in ("pre-review-pass", "return", "reject"):  # each on one line, none squeezed off-screen
        primary(page, page.get_by_test_id(decision))
        assert page.get_by_test_id(decision).bounding_box()["height"] < 48
    page.get_by_test_id("pre-review-pass").click()
    page.wait_for_selector("text=形式预审已通过")
    check_page(page)
    _as(page, login, bureau)
    page.goto(f"{url}/admin/redemption/redemptionclaim/{claim.pk}/change/")
    primary(page, page.get_by_test_id("approve"))
    page.get_by_test_id("approve").click()
    page.wait_for_selector("text=兑付申请已审批通过")

    # the service center opens and closes a settlement batch (the collection task runs)
    _open_and_close_batch(page, login, center, click_nav, payment_expected_on="2026-07-20")
    batch = SettlementBatch.objects.get()

    # the bureau approves and publishes the notice; the window passes on the test clock
    _as(page, login, bureau)
    page.goto(f"{url}/redemption/batches/{batch.pk}/")
    primary(page, page.get_by_test_id("batch-approve"))
    page.get_by_test_id("batch-approve").click()
    page.get_by_test_id("batch-publish").click()
    assert page.get_by_test_id("batch-state").inner_text() == "公示中"
    set_clock(SettlementBatch.objects.get().notice.closes_at + timedelta(hours=10))
    notices_close_expired()
    page.reload()
    primary(page, page.get_by_test_id("batch-sign"))
    page.get_by_test_id("batch-sign").click()
    assert page.get_by_test_id("batch-state").inner_text() == "市经信局已签，待市财政局会签"

    # the finance bureau co-signs: the disbursement order is issued
    _as(page, login, finance)
    page.goto(f"{url}/redemption/batches/{batch.pk}/")
    primary(page, page.get_by_test_id("batch-sign"))
    page.get_by_test_id("batch-sign").click()
    page.wait_for_selector("[data-testid=batch-state]:has-text('已下达拨付')")
    check_page(page)
    assert "杭经信兑〔2026〕1号" in page.get_by_test_id("disbursement-orders").inner_text()
    assert DisbursementOrder.objects.get().total == claim.claimed_amount

    # the next day the district confirms the QinQing payment
    set_clock("2026-06-10T12:00:00+08:00")
    _as(page, login, officer)
    click_nav(page, "兑付资金支付")
    assert page.get_by_test_id("outstanding").inner_text() == "¥6,000.00"
    payment = batch.payments.get()
    page.fill(f"#ref-{payment.pk}", "QQZX202606010001")
    page.fill(f"#at-{payment.pk}", "2026-06-10T10:30")
    primary(page, page.get_by_test_id(f"confirm-{payment.pk}"))
    page.get_by_test_id(f"confirm-{payment.pk}").click()
    page.wait_for_selector(".msg-success")
    assert page.get_by_test_id("outstanding").inner_text() == "¥0.00"

    # the provider sees the claim paid
    _as(page, login, provider)
    page.goto(f"{url}/redemption/claims/{claim.pk}/")
    assert page.get_by_test_id("claim-state").inner_text() == "已支付"
    assert "QQZX202606010001" in page.get_by_test_id("payment-state").inner_text()
    check_page(page)
    assert SettlementBatch.objects.get().state == "completed"


def test_an_empty_batch_is_cancelled_from_its_page(live_server, page, login, set_clock, make_user, click_nav):
    set_clock("2026-06-01T09:00:00+08:00")
    sync_role_groups()
    for year in (2026, 2027):
        PolicyYear.objects.get_or_create(year=year)
    center, bureau = make_user(role=Role.SERVICE_CENTER), make_user(role=Role.BUREAU)
    page.on("dialog", lambda dialog: dialog.accept())
    # the service center closes a batch while no claim is approved: it collects nothing
    _open_and_close_batch(page, login, center, click_nav)
    batch = SettlementBatch.objects.get()
    # the bureau has nothing to approve and no way to cancel; the service center cancels it
    _as(page, login, bureau)
    page.goto(f"{live_server.url}/redemption/batches/{batch.pk}/")
    assert page.get_by_test_id("batch-cancel").count() == 0
    _as(page, login, center)
    page.goto(f"{live_server.url}/redemption/batches/{batch.pk}/")
    page.get_by_test_id("batch-cancel").click()
    page.wait_for_selector("[data-testid=batch-state]:has-text('已取消')")
    assert SettlementBatch.objects.get().state == "cancelled"
