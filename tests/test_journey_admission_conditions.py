"""第十四条 in the browser, at phone and desktop width: the service-center reviewer opens an applicant that
fails the hard conditions, sees the failing items and is refused in Chinese when passing it, rejects it; opens a
sound applicant, is refused until each judgement item is ticked with a note, passes it, and the notes show."""
import pytest
from playwright.sync_api import expect

from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import PASSWORD
from providers import services
from providers.models import ProviderApplication
from providers.tests.factories import (
    JUDGEMENTS_MET,
    SelectionRoundFactory,
    application_data,
    provider_user,
    upload_all_documents,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submitted(**overrides):
    provider = provider_user()
    application = services.application_create(actor=provider, **application_data(provider.organisation, **overrides))
    upload_all_documents(application, provider)
    return services.application_submit(actor=provider, application=application)


@pytest.mark.parametrize("width,height", [(390, 844), (1366, 768)])
def test_reviewer_is_held_to_the_admission_conditions(live_server, page, login, set_clock, make_user, width, height):
    from datetime import date
    from decimal import Decimal

    page.set_viewport_size({"width": width, "height": height})
    set_clock("2026-06-01T09:00:00+08:00")
    SelectionRoundFactory()
    weak = _submitted(established_on=date(2025, 12, 1), revenue=Decimal("100000.00"), professional_staff=1)
    sound = _submitted()
    make_user(role=Role.SERVICE_CENTER, username="conditions-center")
    login("conditions-center", PASSWORD)
    url = live_server.url

    # the weak applicant: failing items listed, passing refused in Chinese, then rejected
    page.goto(f"{url}/providers/applications/{weak.pk}/")
    failures = page.get_by_test_id("hard-failures")
    expect(failures).to_contain_text("成立年限")
    expect(failures).to_contain_text("上年度营业收入：100,000.00 元")
    expect(failures).to_contain_text("专业服务人员（社保）：1 人")
    page.check("[data-testid=pre-review-form] input[name=passed][value='1']")
    for key, entry in JUDGEMENTS_MET.items():
        page.check(f"[data-testid=pre-review-form] input[name=met_{key}]")
        page.fill(f"[data-testid=pre-review-form] input[name=note_{key}]", entry["note"])
    page.click("[data-testid=pre-review-form] button[type=submit]")
    expect(page.locator(".msg-error")).to_contain_text("不符合《杭州市中小微企业服务券管理办法》第十四条入驻条件")
    expect(page.get_by_test_id("application-state")).to_have_text("已提交，待预审")
    page.fill("[data-testid=decision-form] textarea[name=opinion]", "成立不满两年，营业收入、专业人员不达标")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=decision-form] button:has-text('驳回')")
    expect(page.get_by_test_id("application-state")).to_have_text("未通过")

    # the sound applicant: no failing item; the judgement ticks are required, then recorded
    page.goto(f"{url}/providers/applications/{sound.pk}/")
    expect(page.get_by_test_id("hard-failures")).to_have_count(0)
    page.check("[data-testid=pre-review-form] input[name=passed][value='1']")
    page.click("[data-testid=pre-review-form] button[type=submit]")
    expect(page.locator(".msg-error")).to_contain_text("须逐项核验第十四条需人工判断的条件")
    for key, entry in JUDGEMENTS_MET.items():
        page.check(f"[data-testid=pre-review-form] input[name=met_{key}]")
        page.fill(f"[data-testid=pre-review-form] input[name=note_{key}]", entry["note"])
    page.check("[data-testid=pre-review-form] input[name=passed][value='1']")
    page.click("[data-testid=pre-review-form] button[type=submit]")
    expect(page.get_by_test_id("application-state")).to_have_text("预审通过，待专家评审")
    expect(page.get_by_test_id("judgements").locator("[data-key=premises]")).to_contain_text("营业执照住所与租赁合同一致")
    assert ProviderApplication.objects.get(pk=sound.pk).condition_checks["serves_smes"]["met"] is True
