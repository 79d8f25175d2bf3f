"""第十六条 in the browser, at phone and desktop width: the service center enters a provider's annual
evaluation from the menu, publishes it, the failing grade opens the 第十七条 removal, and the public results
page shows it with the rule."""
import pytest
from playwright.sync_api import expect

from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import PASSWORD
from providers.models import AnnualEvaluation, ProviderProfile, Removal
from providers.tests.factories import admitted_provider

from .browser_steps import fill_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width,height", [(390, 844), (1366, 768)])
def test_staff_evaluate_publish_and_a_fail_opens_removal(live_server, page, login, click_nav, set_clock, make_user,
                                                        primary_action, width, height):
    from hangqifu.policy.models import PolicyYear

    page.set_viewport_size({"width": width, "height": height})
    PolicyYear.objects.get_or_create(year=2026)
    set_clock("2027-01-06T09:00:00+08:00")
    provider = admitted_provider()
    profile = ProviderProfile.objects.get(organisation=provider.organisation)
    make_user(role=Role.SERVICE_CENTER, username="evaluation-center")
    url = live_server.url

    # the service center opens the year's list from the menu and enters the evaluation
    login("evaluation-center", PASSWORD)
    click_nav(page, "年度评价录入")
    page.fill("input[name=year]", "2026")
    page.click("form.filters button[type=submit]")
    page.locator(f"[data-profile='{profile.pk}'] a").click()
    fill_form(page, {"benefit_score": "55", "benefit_note": "服务效益评价：企业回访成效不明显，交付物不完整",
                     "spot_checks": "2", "spot_checks_passed": "1", "complaints_upheld": "1",
                     "audit_conclusion": "minor", "audit_institution": "浙江某会计师事务所",
                     "audit_note": "抽查 8 笔兑付，2 笔服务台账不全，已整改"}, within="[data-testid=evaluation-form]")
    primary_action(page, page.locator("[data-testid=evaluation-form] button[type=submit]"))
    page.click("[data-testid=evaluation-form] button[type=submit]")
    expect(page.locator(".msg-success")).to_contain_text("评价已保存")
    expect(page.get_by_test_id("evaluation-grade")).to_have_text("不合格")
    expect(page.get_by_test_id("evaluation-vetoes")).to_contain_text("服务效益评价 55.00 分，低于 60 分合格线")

    # publishing opens the removal
    primary_action(page, page.locator("[data-testid=publish-form] button"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=publish-form] button")
    expect(page.get_by_test_id("evaluation-state")).to_have_text("已公布")
    expect(page.get_by_test_id("evaluation-removal")).to_contain_text("已提议，待市经信局确认")
    removal = Removal.objects.get(profile=profile)
    assert AnnualEvaluation.objects.get(profile=profile, year=2026).removal == removal

    # anyone reads the result with the rule
    page.context.clear_cookies()
    page.goto(f"{url}/providers/evaluations/?year=2026")
    row = page.get_by_test_id("evaluations").locator(f"[data-provider='{provider.organisation_id}']")
    expect(row).to_contain_text("不合格")
    primary_action(page, row)
    expect(page.get_by_test_id("evaluation-rule")).to_contain_text("评价不合格的，按第十七条启动清退程序")
