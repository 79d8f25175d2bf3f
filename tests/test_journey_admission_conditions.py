"""第十四、十五条 in the browser, at phone and desktop width: the service-center reviewer opens an applicant that
fails the hard conditions, sees the failing items and is refused in Chinese when passing it, rejects it; opens a
sound applicant, is refused until each judgement item is ticked with a note, passes it, and the notes show. A
product added after admission cannot be listed directly: the reviewer pre-reviews it into its round and records
the review, the bureau confirms it into the public notice."""
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


@pytest.mark.parametrize("width,height", [(390, 844), (1366, 768)])
def test_a_new_product_is_reviewed_in_the_round_and_confirmed(live_server, page, login, set_clock, make_user,
                                                              width, height):
    from datetime import timedelta

    from hangqifu.core import clock
    from hangqifu.documents.tests.factories import pdf_upload
    from providers.models import Product, SelectionRound
    from providers.tests.factories import admitted_provider

    page.set_viewport_size({"width": width, "height": height})
    set_clock("2026-06-01T09:00:00+08:00")
    provider = admitted_provider()
    SelectionRound.objects.update(opens_at=clock.now() - timedelta(days=90), closes_at=clock.now() - timedelta(days=60))
    round_ = SelectionRoundFactory(title="2026年第三批服务机构遴选")
    product = services.product_create(actor=provider, category="digital_empowerment", title="数据治理咨询",
                                      description="数据资产盘点与治理方案", deliverables="治理方案", duration_days=30,
                                      price="15000.00", last_year_average_price="15000.00")
    services.product_evidence_add(actor=provider, product=product, uploaded_file=pdf_upload("合同.pdf"))
    services.product_submit(actor=provider, product=product)
    make_user(role=Role.SERVICE_CENTER, username="selection-center")
    make_user(role=Role.BUREAU, username="selection-bureau")
    detail = f"{live_server.url}/providers/products/{product.pk}/"

    # the service center cannot list it directly: it pre-reviews it into the round and records the review
    login("selection-center", PASSWORD)
    page.goto(detail)
    expect(page.get_by_test_id("selection")).to_contain_text("须经遴选后上架（2026年第三批服务机构遴选）")
    expect(page.get_by_role("button", name="审核通过并上架")).to_have_count(0)
    page.click("text=形式预审通过，纳入遴选评审")
    expect(page.get_by_test_id("product-state")).to_have_text("遴选评审中")
    page.fill("[data-testid=selection-review-form] input[name=reviewer_name]", "第三批评审专家组")
    page.fill("[data-testid=selection-review-form] input[name=score]", "86")
    page.fill("[data-testid=selection-review-form] textarea[name=opinion]", "内容标准化，定价有依据")
    page.click("[data-testid=selection-review-form] button[type=submit]")
    expect(page.get_by_test_id("product-state")).to_have_text("评审完成，待市经信局确认")

    # the bureau confirms: the public notice opens
    page.context.clear_cookies()
    login("selection-bureau", PASSWORD)
    page.goto(detail)
    page.click("text=确认入选并发布公示")
    expect(page.get_by_test_id("product-state")).to_have_text("入选公示中")
    assert Product.objects.get(pk=product.pk).selection_round == round_
