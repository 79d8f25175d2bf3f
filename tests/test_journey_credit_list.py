"""第六条 in the browser, at phone and desktop width: the service center imports a dishonesty list → the listed
enterprise sees its qualification suspended (vouchers frozen) and its claim refused in Chinese → the service
center records the 信用修复 delisting with its evidence → the enterprise claims again."""
import pytest
from playwright.sync_api import expect

from hangqifu.accounts.roles import Role, sync_role_groups
from hangqifu.accounts.tests.factories import PASSWORD
from registration.models import CreditDelisting, Qualification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(policy_day, tmp_path, make_user):
    from vouchers.tests.money_factories import PDF, buyer_holding_voucher

    sync_role_groups()
    buyer, batch, voucher = buyer_holding_voucher(face_value="1000.00", username="listed-buyer")
    center = make_user(role=Role.SERVICE_CENTER, username="list-center")
    listing = tmp_path / "失信被执行人名单.csv"
    listing.write_text(f"统一社会信用代码,名称,列入日期\n{buyer.organisation.credit_code},{buyer.organisation.name},"
                       "2026-05-28\n", encoding="utf-8")
    evidence = tmp_path / "结案证明.pdf"
    evidence.write_bytes(PDF)
    return {"buyer": buyer, "batch": batch, "voucher": voucher, "center": center, "listing": str(listing),
            "evidence": str(evidence)}


@pytest.mark.parametrize("width,height", [(390, 844), (1366, 768)])
def test_listed_enterprise_is_suspended_refused_and_restored_by_a_delisting(world, login, live_server, page,
                                                                            width, height):
    page.set_viewport_size({"width": width, "height": height})
    url, batch = live_server.url, world["batch"]
    vtype = batch.voucher_types.get()

    # the service center imports the judgment-defaulter list
    login("list-center", PASSWORD)
    page.goto(f"{url}/admin/registration/creditlistentry/import/")
    page.select_option("select[name=list_kind]", "judgment_defaulter")
    page.set_input_files("input[name=file]", world["listing"])
    page.click("input[type=submit]")
    assert "按第六条暂停 1 个年度资格" in page.locator("ul.messagelist").inner_text()
    page.context.clear_cookies()

    # the enterprise sees its qualification suspended and its voucher frozen; its claim is refused in Chinese
    login("listed-buyer", PASSWORD)
    page.goto(f"{url}/vouchers/qualification/")
    assert page.get_by_test_id("qualification-state").inner_text() == "已暂停"
    assert "列入失信名单" in page.get_by_test_id("suspension-note").inner_text()
    assert "失信被执行人名单" in page.get_by_test_id("my-qualification").inner_text()
    page.goto(f"{url}/vouchers/my-vouchers/")
    assert page.get_by_test_id(f"voucher-state-{world['voucher'].pk}").inner_text() == "已冻结（资格暂停中）"
    page.goto(f"{url}/vouchers/batches/{batch.pk}/")
    expect(page.get_by_test_id(f"claim-{vtype.pk}")).to_be_disabled()
    refusal = page.get_by_test_id(f"reason-{vtype.pk}").inner_text()
    assert "资格已暂停" in refusal and "失信被执行人名单" in refusal and "不能领取或使用服务券" in refusal
    page.context.clear_cookies()

    # the service center records the documented delisting (信用修复) with its evidence
    login("list-center", PASSWORD)
    page.goto(f"{url}/admin/registration/creditlistentry/")
    page.locator("[data-testid^=delist-]").first.click()
    page.fill("textarea[name=reason]", "法院出具结案证明，已履行完毕")
    page.set_input_files("input[name=evidence]", world["evidence"])
    page.click("input[type=submit]")
    assert "因名单暂停的资格与入驻已恢复" in page.locator("ul.messagelist").inner_text()
    assert CreditDelisting.objects.count() == 1
    page.context.clear_cookies()

    # the enterprise claims again; its frozen voucher is usable
    login("listed-buyer", PASSWORD)
    page.goto(f"{url}/vouchers/batches/{batch.pk}/")
    page.get_by_test_id(f"claim-{vtype.pk}").click()
    page.wait_for_url(f"{url}/vouchers/my-vouchers/")
    assert "领取成功" in page.locator(".messages").inner_text()
    assert page.get_by_test_id(f"voucher-state-{world['voucher'].pk}").inner_text() == "可使用"
    assert Qualification.objects.get(organisation=world["buyer"].organisation).state == "active"
