"""Phone-first journeys in headless Chromium at 390 × 844 (a phone) and 1366 × 768 (a desktop): the enterprise
claims, orders, rates and deducts; the provider confirms the service and files a redemption claim. At every
step the primary action is on screen without sideways scrolling: the page is no wider than the viewport and the
button's box lies within it. The claim page follows the server's clock (its buttons enable themselves at the
opening second, with the browser's clock months away) and the live figures (sold out, headroom)."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from hangqifu.accounts.tests.factories import PASSWORD
from hangqifu.core import clock
from hangqifu.core.choices import ServiceCategory

from .browser_steps import upload_documents
from .journey_worlds import voucher_market
from .page_checks import assert_primary_action

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 768}
CAT = ServiceCategory.DIGITAL_EMPOWERMENT


def assert_reachable(page, locator):
    """No sideways scrolling, the action's box within the viewport's width once scrolled to, and the page free
    of serious accessibility violations and raw codes (tests/page_checks.py)."""
    assert_primary_action(page, locator)


def _as(page, login, username, viewport):
    page.context.clear_cookies()
    page.set_viewport_size(viewport)
    return login(username, PASSWORD)


@pytest.fixture
def world(policy_day, tmp_path):
    from hangqifu.accounts.models import Organisation

    market = voucher_market(tmp_path, buyer="phone-buyer", provider="phone-provider", title="数字化转型诊断（标准版）")
    # the district that pays it
    Organisation.objects.filter(pk=market["provider"].organisation_id).update(district="xihu")
    return market


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1366x768"])
def test_the_main_journeys_keep_their_primary_action_on_screen(world, login, live_server, page, viewport):
    from redemption.models import REQUIRED_DOCUMENT_KINDS, RedemptionClaim

    url = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())
    batch, vtype = world["batch"], world["batch"].voucher_types.get()

    # the enterprise's home: its quota and the open batch, then the claim
    _as(page, login, "phone-buyer", viewport)
    assert "¥5,000.00" in page.get_by_test_id("card-quota").inner_text()
    assert_reachable(page, page.get_by_test_id("card-batch").get_by_role("link"))
    page.goto(f"{url}/vouchers/batches/{batch.pk}/")
    claim = page.get_by_test_id(f"claim-{vtype.pk}")
    assert_reachable(page, claim)
    claim.click()
    page.wait_for_url(f"{url}/vouchers/my-vouchers/")
    assert "领取成功" in page.locator(".messages").inner_text()

    # order from the catalogue
    page.goto(f"{url}/providers/catalogue/{world['product'].pk}/")
    assert_reachable(page, page.get_by_test_id("order-product"))
    page.get_by_test_id("order-product").click()
    page.set_input_files("input[name=contract]", world["scan"])
    create = page.locator("button:has-text('确认金额并创建订单')")
    assert_reachable(page, create)
    create.click()
    page.wait_for_url(f"{url}/vouchers/orders/*/")
    order_url = page.url
    page.set_input_files("input[name=file]", world["scan"])
    page.click("button:has-text('上传')")
    assert "盖章承诺书已上传" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("step-next-actor").inner_text().startswith("服务机构")

    # the provider delivers
    _as(page, login, "phone-provider", viewport)
    page.goto(order_url)
    page.set_input_files("input[name=service_records]", world["scan"])
    complete = page.locator("button:has-text('确认服务完成')")
    assert_reachable(page, complete)
    complete.click()
    assert page.get_by_test_id("order-state").inner_text() == "服务已完成"

    # the enterprise rates, then deducts: the amount is checked before the irreversible confirmation
    _as(page, login, "phone-buyer", viewport)
    page.goto(order_url)
    page.check("input[name=satisfaction][value=satisfied]")
    rate = page.locator("button:has-text('提交评价')")
    assert_reachable(page, rate)
    rate.click()
    assert page.get_by_test_id("max-deductible").inner_text() == "¥2,000.00"
    page.fill("input[name=amount]", "2500.00")
    page.check("input[name=declares_no_other_subsidy]")
    assert_reachable(page, page.get_by_test_id("deduct-check"))
    page.get_by_test_id("deduct-check").click()
    assert "本订单最多可抵扣 2000.00 元" in page.locator(".errors").first.inner_text()
    assert page.get_by_test_id("deduct-confirm").count() == 0
    page.fill("input[name=amount]", "2000.00")
    page.check("input[name=declares_no_other_subsidy]")
    page.get_by_test_id("deduct-check").click()
    confirm = page.get_by_test_id("deduct-confirm-button")
    assert_reachable(page, confirm)
    confirm.click()
    assert page.get_by_test_id("order-state").inner_text() == "已抵扣"

    # the provider files the redemption claim for the deducted order and submits it
    _as(page, login, "phone-provider", viewport)
    page.goto(f"{url}/redemption/claims/new/")
    order_id = order_url.rstrip("/").rsplit("/", 1)[1]
    page.check(f"input[name=order_{order_id}]")
    page.fill(f"input[name=invoice_number_{order_id}]", "33012600009876")
    page.fill(f"input[name=invoice_amount_{order_id}]", "4000.00")
    create_claim = page.locator("button:has-text('创建兑付申请')")
    assert_reachable(page, create_claim)
    create_claim.click()
    page.wait_for_url("**/redemption/claims/*/")
    upload_documents(page, REQUIRED_DOCUMENT_KINDS)
    assert_reachable(page, page.get_by_test_id("submit-claim"))
    page.get_by_test_id("submit-claim").click()
    assert page.get_by_test_id("claim-state").inner_text() == "待形式预审"
    assert "市工信服务中心" in page.get_by_test_id("step-next-actor").inner_text()
    assert RedemptionClaim.objects.get().state == "submitted"


def test_the_claim_button_enables_itself_at_the_opening_second_by_the_server_clock(login, live_server, page):
    # given: a batch opening at 09:00:00 business time, the server's clock at 08:59:56 and running; the
    # browser's own clock is months away from the business time (it must not matter)
    from hangqifu.policy.models import PolicyYear
    from vouchers.tests.money_factories import open_batch, qualified_buyer

    PolicyYear.objects.get_or_create(year=2026)
    qualified_buyer(quota="5000.00", username="early-bird")
    batch = open_batch(opens="2026-06-01 09:00", types=((CAT, "1000.00", 5),))
    vtype = batch.voucher_types.get()
    _as(page, login, "early-bird", PHONE)
    clock.set_test_clock(batch.opens_at - timedelta(seconds=4), frozen=False)
    page.goto(f"{live_server.url}/vouchers/batches/{batch.pk}/")
    button = page.get_by_test_id(f"claim-{vtype.pk}")

    # then: before the opening second it is disabled, and says when it opens
    assert button.is_disabled()
    assert "开始领取" in page.get_by_test_id(f"reason-{vtype.pk}").inner_text()
    assert "距开始领取" in page.locator("[data-countdown-label]").inner_text()

    # when: the server's clock reaches 09:00:00, without a reload the button enables itself
    expect(button).to_be_enabled(timeout=10_000)  # CSP forbids wait_for_function's eval
    assert page.get_by_test_id(f"reason-{vtype.pk}").inner_text() == ""
    assert "距领取截止" in page.locator("[data-countdown-label]").inner_text()
    button.click()
    page.wait_for_url(f"{live_server.url}/vouchers/my-vouchers/")
    assert "领取成功" in page.locator(".messages").inner_text()


def test_the_claim_page_disables_sold_out_and_unaffordable_types_and_explains_a_refusal(world, login, live_server,
                                                                                          page):
    from vouchers.models import VoucherType
    from vouchers.tests.money_factories import open_batch

    # given: quota 5,000; a batch with a 5,000 and a 2,000 type (besides the world's), and a 6,000 type
    batch = open_batch(types=((CAT, "6000.00", 3), (CAT, "2000.00", 3), (ServiceCategory.LEGAL, "1000.00", 3)))
    big, two, legal = (batch.voucher_types.get(face_value=v) for v in ("6000.00", "2000.00", "1000.00"))
    _as(page, login, "phone-buyer", PHONE)
    page.goto(f"{live_server.url}/vouchers/batches/{batch.pk}/")

    # then: the type above the headroom is disabled, with the headroom in the reason
    assert page.get_by_test_id(f"claim-{big.pk}").is_disabled()
    assert "还可领取 ¥5,000.00，不足面额 ¥6,000.00" in page.get_by_test_id(f"reason-{big.pk}").inner_text()
    assert page.get_by_test_id(f"claim-{two.pk}").is_enabled()

    # when: the 1,000 type sells out while the page is open, it disables itself from the live figures
    VoucherType.objects.filter(pk=legal.pk).update(remaining=0)
    expect(page.get_by_test_id(f"claim-{legal.pk}")).to_be_disabled(timeout=10_000)
    assert page.get_by_test_id(f"reason-{legal.pk}").inner_text() == "该券种已被领完"

    # when: the 2,000 type sells out between the last poll and the click, the refusal is shown in Chinese
    page.locator("[data-poll]").evaluate("el => el.removeAttribute('data-poll')")
    VoucherType.objects.filter(pk=two.pk).update(remaining=0)
    page.get_by_test_id(f"claim-{two.pk}").click()
    page.wait_for_url(f"{live_server.url}/vouchers/batches/{batch.pk}/")
    assert "该券种已被领完" in page.locator(".msg-error").inner_text()
    assert page.get_by_test_id(f"claim-{two.pk}").is_disabled()
