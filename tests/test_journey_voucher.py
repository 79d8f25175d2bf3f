"""The voucher journey in the browser: claim in an open batch → order a product from the catalogue →
the provider confirms completion → the buyer rates → applies the voucher → balance and quota update."""
import pytest

from hangqifu.accounts.tests.factories import PASSWORD

from .browser_steps import logout
from .journey_worlds import voucher_market

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(policy_day, tmp_path):
    return voucher_market(tmp_path, buyer="journey-buyer", provider="journey-provider", title="数字化转型诊断")


def test_claim_order_complete_rate_and_deduct_in_the_browser(world, login, live_server):
    page = login("journey-buyer", PASSWORD)
    page.on("dialog", lambda dialog: dialog.accept())
    batch, vtype = world["batch"], world["batch"].voucher_types.get()

    # claim in the open batch
    page.goto(f"{live_server.url}/vouchers/batches/{batch.pk}/")
    assert page.get_by_test_id(f"remaining-{vtype.pk}").inner_text() == "10"
    page.get_by_test_id(f"claim-{vtype.pk}").click()
    page.wait_for_url(f"{live_server.url}/vouchers/my-vouchers/")
    assert "领取成功" in page.locator(".messages").inner_text()
    assert "¥2,000.00" in page.get_by_test_id("voucher-list").inner_text()

    # order the product from the catalogue, upload the contract, then the stamped commitment letter
    page.goto(f"{live_server.url}/providers/catalogue/{world['product'].pk}/")
    page.get_by_test_id("order-product").click()
    assert page.input_value("input[name=amount]") == "6000.00"
    page.set_input_files("input[name=contract]", world["scan"])
    page.click("button:has-text('确认金额并创建订单')")
    page.wait_for_url(f"{live_server.url}/vouchers/orders/*/")
    order_url = page.url
    assert page.get_by_test_id("order-state").inner_text() == "已签约"
    page.set_input_files("input[name=file]", world["scan"])
    page.click("button:has-text('上传')")
    assert "盖章承诺书已上传" in page.locator(".messages").inner_text()
    logout(page)

    # the provider confirms completion with a service record
    login("journey-provider", PASSWORD)
    page.goto(order_url)
    page.set_input_files("input[name=service_records]", world["scan"])
    page.fill("textarea[name=note]", "诊断报告已交付")
    page.click("button:has-text('确认服务完成')")
    assert page.get_by_test_id("order-state").inner_text() == "服务已完成"
    logout(page)

    # the buyer rates, sees the maximum deductible amount and applies the voucher
    login("journey-buyer", PASSWORD)
    page.goto(order_url)
    page.check("input[name=satisfaction][value=satisfied]")
    page.click("button:has-text('提交评价')")
    assert page.get_by_test_id("order-state").inner_text() == "已评价"
    assert page.get_by_test_id("max-deductible").inner_text() == "¥2,000.00"
    assert page.input_value("input[name=amount]") == "2000.00"
    page.check("input[name=declares_no_other_subsidy]")
    page.get_by_test_id("deduct-check").click()  # the amount is checked first, then confirmed
    page.get_by_test_id("deduct-confirm-button").click()
    assert page.get_by_test_id("order-state").inner_text() == "已抵扣"
    assert "¥2,000.00" in page.get_by_test_id("deducted-amount").inner_text()

    # balance and quota updated
    page.goto(f"{live_server.url}/vouchers/my-vouchers/")
    assert page.get_by_test_id("quota-used").inner_text() == "¥2,000.00"
    listing = page.get_by_test_id("voucher-list").inner_text()
    assert "¥0.00" in listing and "已用完" in listing
