"""Journey (第十八–二十条): a member of the public complains about an enterprise → the service center
investigates and resolves it → the bureau bans the enterprise → its user sees the decision at home."""
import re

import pytest

from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import PASSWORD
from sanctions.models import Sanction
from supervision.models import Complaint

from .browser_steps import logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_complaint_investigation_sanction_and_the_enterprise_is_told(live_server, page, login, make_user,
                                                                            set_clock, click_nav):
    # given
    set_clock("2026-06-01T09:00:00+08:00")
    enterprise = make_user(role=Role.ENTERPRISE, username="journey-ent")
    center = make_user(role=Role.SERVICE_CENTER, username="journey-center")
    make_user(role=Role.BUREAU, username="journey-bureau")
    organisation = enterprise.organisation
    page.on("dialog", lambda dialog: dialog.accept())

    # a member of the public, not logged in, files a complaint about the enterprise
    page.goto(f"{live_server.url}/")
    click_nav(page, "投诉举报")
    page.fill("input[name=subject]", "企业虚报服务合同金额")
    page.fill("textarea[name=content]", "该企业与服务机构串通，合同金额虚高后申请服务券抵扣。")
    page.select_option("select[name=object_type]", "organisation")
    page.fill("input[name=object_id]", str(organisation.pk))
    page.fill("input[name=name]", "赵女士")
    page.fill("input[name=contact]", "13900001111")
    page.get_by_role("button", name="提交投诉").click()
    tracking = page.get_by_test_id("tracking-number").inner_text()
    assert re.fullmatch(r"TS20260601[A-Z2-9]{6}", tracking)

    # the service center sees it as pending work, investigates and resolves it
    login("journey-center", PASSWORD)
    page.get_by_role("link", name="待受理调查的投诉").click()
    page.get_by_role("link", name=tracking).click()
    assert "对象存在" in page.locator("dl.facts").inner_text()
    page.get_by_role("button", name="开始调查（由我承办）").click()
    assert page.get_by_test_id("complaint-state").inner_text() == "调查中"
    page.fill("textarea[name=findings]", "经核查合同金额虚高属实，移送市经信局处理。")
    page.get_by_role("button", name="办结").click()
    assert page.get_by_test_id("complaint-state").inner_text() == "已办结"
    page.get_by_test_id("object-history").click()
    assert "审计时间线 · 组织 #" in page.locator("h1").inner_text()
    logout(page)

    # the complainant follows it with the number and contact
    page.goto(f"{live_server.url}/audit/complaints/track/")
    page.fill("input[name=tracking_number]", tracking)
    page.fill("input[name=contact]", "13900001111")
    page.get_by_role("button", name="查询").click()
    assert page.get_by_test_id("complaint-state").inner_text() == "已办结"
    assert "合同金额虚高属实" in page.get_by_test_id("findings").inner_text()

    # the bureau bans the enterprise (第二十条), with a reason
    login("journey-bureau", PASSWORD)
    click_nav(page, "违规处理")
    page.select_option("select[name=organisation]", str(organisation.pk))
    page.fill("textarea[name=reason]", f"虚报服务合同金额（投诉 {tracking} 查实）")
    page.get_by_role("button", name="作出处理决定").click()
    assert "2029-05-31" in page.get_by_test_id("sanctions").inner_text()
    logout(page)

    # the enterprise's user sees the decision on the home page and in the inbox
    login("journey-ent", PASSWORD)
    pending = page.get_by_test_id("pending-work").inner_text()
    assert "本组织已被禁止使用服务券及相关政策资金至 2029-05-31" in pending
    page.locator("a.inbox").click()
    assert "违规处理决定：禁止使用服务券及相关政策资金至 2029-05-31" in page.locator("table").inner_text()
    page.get_by_role("link", name=re.compile("违规处理决定")).first.click()
    assert page.get_by_test_id("ban-in-force").is_visible()

    assert Complaint.objects.get().state == "resolved" and Sanction.objects.get().organisation == organisation
    assert center.pk == Complaint.objects.get().handler_id
