"""第四、八条 in the browser, at phone and desktop width:
- the buyer asks for more than the fund has left and is told the remainder before confirming; the service
  center imports another programme's award list; the buyer's deduction for the same service is refused in
  Chinese before confirming (不得重复享受);
- one bureau official proposes declaring the year's fund insufficient (the page shows what remains), a second
  official confirms it, and the buyer's unused voucher is voided."""
import pytest

from hangqifu.accounts.roles import Role, sync_role_groups
from hangqifu.accounts.tests.factories import PASSWORD
from vouchers.models import Deduction, Fund, Voucher

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = [(390, 844), (1366, 768)]


@pytest.fixture
def world(policy_day, tmp_path, make_user):
    from vouchers.tests.money_factories import buyer_holding_voucher, order_in_state, provider_user

    sync_role_groups()
    buyer, _, voucher = buyer_holding_voucher(face_value="2000.00", username="edge-buyer")
    order = order_in_state(buyer, provider_user(), "rated", amount="6000.00")  # product "数字化诊断服务"
    awards = tmp_path / "创新券支持名单.csv"
    awards.write_text("政策类别,统一社会信用代码,企业名称,项目名称,服务机构名称,服务机构统一社会信用代码,支持金额,年度\n"
                      f"创新券,{buyer.organisation.credit_code},{buyer.organisation.name},数字化诊断服务,某研究院,,"
                      "3000.00,2026\n", encoding="utf-8")
    return {"buyer": buyer, "voucher": voucher, "order": order, "awards": str(awards),
            "center": make_user(role=Role.SERVICE_CENTER, username="edge-center"),
            "first": make_user(role=Role.BUREAU, username="edge-bureau-1"),
            "second": make_user(role=Role.BUREAU, username="edge-bureau-2")}


def _try_deduct(page, amount: str):
    page.fill("input[name=amount]", amount)
    page.check("input[name=declares_no_other_subsidy]")
    page.get_by_test_id("deduct-check").click()
    return page.locator(".errors[role=alert]").inner_text()


@pytest.mark.parametrize("width,height", SIZES)
def test_remainder_and_double_subsidy_refused_before_confirming(world, login, live_server, page, primary_action,
                                                                width, height):
    page.set_viewport_size({"width": width, "height": height})
    url, order = live_server.url, world["order"]
    Fund.objects.filter(year=2026).update(total="1500.00")

    # more than the fund has left: refused with the remainder, nothing to confirm
    login("edge-buyer", PASSWORD)
    page.goto(f"{url}/vouchers/orders/{order.pk}/")
    refusal = _try_deduct(page, "2000.00")
    assert "资金余额 1,500.00 元" in refusal and "最多可抵扣 1,500.00 元" in refusal, refusal
    assert page.get_by_test_id("deduct-confirm").count() == 0
    page.context.clear_cookies()

    # the service center imports the innovation-voucher award list
    login("edge-center", PASSWORD)
    page.goto(f"{url}/admin/vouchers/othersubsidyaward/import/")
    page.set_input_files("input[name=file]", world["awards"])
    primary_action(page, page.locator("input[type=submit]"))
    page.click("input[type=submit]")
    assert "已导入 1 行" in page.locator("ul.messagelist").inner_text()
    primary_action(page, page.locator("#result_list").get_by_text(world["buyer"].organisation.credit_code))
    page.context.clear_cookies()

    # the same service again: refused in Chinese, naming the award, before any confirmation
    login("edge-buyer", PASSWORD)
    page.goto(f"{url}/vouchers/orders/{order.pk}/")
    refusal = _try_deduct(page, "1500.00")
    assert "不得重复享受" in refusal and "创新券 2026 年“数字化诊断服务”" in refusal, refusal
    assert page.get_by_test_id("deduct-confirm").count() == 0
    assert not Deduction.objects.exists()


@pytest.mark.parametrize("width,height", SIZES)
def test_two_bureau_officials_declare_the_fund_insufficient(world, login, live_server, page, click_nav, primary_action,
                                                            width, height):
    page.set_viewport_size({"width": width, "height": height})
    url = live_server.url

    # the first official proposes, seeing what remains
    login("edge-bureau-1", PASSWORD)
    click_nav(page, "服务券资金与批次")
    page.get_by_test_id("insufficiency-2026").click()
    assert page.get_by_test_id("remainder").inner_text() == "¥1,000,000.00"
    assert "1 张" in page.get_by_test_id("live-vouchers").inner_text()
    page.fill("textarea[name=reason]", "年度预算调减，剩余资金另行安排")
    primary_action(page, page.get_by_test_id("propose"))
    page.get_by_test_id("propose").click()
    assert "须由另一位市经信局人员确认" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("confirm").count() == 0  # the proposer cannot confirm
    page.context.clear_cookies()

    # the second official confirms: the year's unused vouchers are voided
    login("edge-bureau-2", PASSWORD)
    page.goto(f"{url}/vouchers/funds/2026/insufficiency/")
    primary_action(page, page.get_by_test_id("confirm"))
    page.get_by_test_id("confirm").click()
    assert "已作废" in page.locator(".messages").inner_text()
    assert "市经信局确认资金总额不足" in page.get_by_test_id("fund-state").inner_text()
    assert "已作废服务券 1 张" in page.locator("[data-testid=voided]").inner_text()
    assert Voucher.objects.get(pk=world["voucher"].pk).state == "voided"
    page.context.clear_cookies()

    # the buyer sees the voucher voided
    login("edge-buyer", PASSWORD)
    page.goto(f"{url}/vouchers/my-vouchers/")
    assert "作废" in page.get_by_test_id(f"voucher-state-{world['voucher'].pk}").inner_text()
