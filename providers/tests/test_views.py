"""Pages: public catalogue and lists, provider application form, staff decisions, expert scoring, products."""
from decimal import Decimal

import pytest
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.documents.tests.factories import pdf_upload
from providers import services
from providers.models import ConflictDeclaration, Product, ProviderApplication, Review

from .factories import JUDGEMENTS_MET, ProductFactory, SelectionRoundFactory, admitted_provider, application_data, provider_user, \
    upload_all_documents

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("policy_day")]


def test_public_pages_need_no_login(client):
    product = ProductFactory(listed=True, title="公开产品")
    SelectionRoundFactory(title="2026年第二批遴选")
    assert "公开产品" in client.get(reverse("providers:catalogue")).content.decode()
    page = client.get(reverse("providers:catalogue-product", args=[product.pk])).content.decode()
    assert product.provider.name in page and "暂无评价" in page
    assert product.provider.name in client.get(reverse("providers:admitted")).content.decode()
    assert "公开产品" in client.get(reverse("providers:provider", args=[product.provider_id])).content.decode()
    assert "2026年第二批遴选" in client.get(reverse("providers:rounds")).content.decode()
    draft = ProductFactory(provider=product.provider)
    assert client.get(reverse("providers:catalogue-product", args=[draft.pk])).status_code == 404


def test_provider_applies_through_the_form(client):
    SelectionRoundFactory()
    user = provider_user()
    client.force_login(user)
    data = application_data(user.organisation)
    product = data.pop("products")[0]
    form = {**data, "categories": data["categories"], "products-TOTAL_FORMS": "1", "products-INITIAL_FORMS": "0",
            "products-MIN_NUM_FORMS": "1", "products-MAX_NUM_FORMS": "20",
            **{f"products-0-{k}": v for k, v in product.items()}}
    response = client.post(reverse("providers:application-create"), form)
    application = ProviderApplication.objects.get()
    assert response.status_code == 302 and application.products.count() == 1
    page = client.get(reverse("providers:application-detail", args=[application.pk])).content.decode()
    assert "缺少" in page and 'data-testid="upload-form"' in page
    client.post(reverse("providers:application-act", args=[application.pk, "documents"]),
                {"kind": "business_licence", "file": pdf_upload()})
    assert application.pk and "营业执照" in client.get(
        reverse("providers:application-detail", args=[application.pk])).content.decode()
    response = client.post(reverse("providers:application-act", args=[application.pk, "submit"]), follow=True)
    assert "申请材料不齐全" in response.content.decode()
    application.refresh_from_db()
    assert application.state == "draft"


def test_staff_pages_and_expert_scoring(client, make_user):
    SelectionRoundFactory()
    user = provider_user()
    application = services.application_create(actor=user, **application_data(user.organisation))
    upload_all_documents(application, user)
    services.application_submit(actor=user, application=application)
    center, expert = make_user(role=Role.SERVICE_CENTER), make_user(role=Role.EXPERT)
    client.force_login(center)
    assert "待形式预审" in client.get(reverse("home")).content.decode()
    # passing without the judgement ticks is refused in Chinese; with them it passes
    response = client.post(reverse("providers:application-act", args=[application.pk, "pre-review"]), {"passed": "1"},
                           follow=True)
    assert "须逐项核验第十四条需人工判断的条件" in response.content.decode()
    ticks = {f: v for key, entry in JUDGEMENTS_MET.items() for f, v in ((f"met_{key}", "on"), (f"note_{key}", entry["note"]))}
    client.post(reverse("providers:application-act", args=[application.pk, "pre-review"]), {"passed": "1", **ticks})
    client.post(reverse("providers:application-act", args=[application.pk, "assign-experts"]), {"experts": [expert.pk]})
    application.refresh_from_db()
    assert application.state == "pre_reviewed" and application.assignments.count() == 1
    client.force_login(expert)
    assert application.name in client.get(reverse("providers:reviews")).content.decode()
    page = client.get(reverse("providers:review", args=[application.pk])).content.decode()
    assert 'data-testid="review-form"' in page
    response = client.post(reverse("providers:application-act", args=[application.pk, "expert-review"]), {
        "qualifications": "18", "service_capability": "20", "cases": "21", "price_reasonableness": "12",
        "after_sales": "13", "opinion": "建议入选"})
    assert response.status_code == 302
    assert Review.objects.get().total == 84
    # an unrelated provider sees nothing; experts cannot open staff results
    client.force_login(provider_user())
    assert client.get(reverse("providers:application-detail", args=[application.pk])).status_code == 404
    client.force_login(expert)
    assert client.get(reverse("providers:round-results", args=[application.round_id])).status_code == 403
    client.force_login(center)
    assert application.name in client.get(reverse("providers:round-results", args=[application.round_id])).content.decode()


def test_expert_declares_a_conflict(client, make_user):
    expert = make_user(role=Role.EXPERT)
    client.force_login(expert)
    org = provider_user().organisation
    client.post(reverse("providers:conflicts"), {"provider_name": org.name, "credit_code": org.credit_code,
                                                 "relation": "曾任职"})
    assert ConflictDeclaration.objects.filter(expert=expert, credit_code=org.credit_code).exists()
    client.force_login(provider_user())
    assert client.get(reverse("providers:conflicts")).status_code == 403


def test_a_new_product_goes_through_selection_on_the_pages(client, make_user, set_clock):
    from datetime import timedelta

    from hangqifu.notices.models import PublicNotice
    from hangqifu.notices.services import notices_close_expired

    set_clock("2026-06-01T09:00:00+08:00")
    round_ = SelectionRoundFactory()
    user = admitted_provider()
    client.force_login(user)
    body = {"category": "talent", "title": "技能人才培训", "description": "岗位技能培训", "deliverables": "培训记录",
            "duration_days": "15", "price": "8000", "last_year_average_price": "7000"}
    # a category it was not admitted for is refused in Chinese, nothing saved
    page = client.post(reverse("providers:product-create"), body).content.decode()
    assert "不在贵机构入驻的服务类别" in page and not Product.objects.exists()
    response = client.post(reverse("providers:product-create"), {**body, "category": "digital_empowerment"})
    product = Product.objects.get()
    assert response.status_code == 302 and product.awaiting_selection
    client.post(reverse("providers:product-act", args=[product.pk, "documents"]), {"file": pdf_upload("合同.pdf")})
    client.post(reverse("providers:product-act", args=[product.pk, "submit"]))
    product.refresh_from_db()
    assert product.state == "submitted" and product.selection_round == round_
    # the service center cannot list it directly: it pre-reviews it into the round and records the review
    center, bureau = make_user(role=Role.SERVICE_CENTER), make_user(role=Role.BUREAU)
    client.force_login(center)
    page = client.get(reverse("providers:product-detail", args=[product.pk])).content.decode()
    assert 'data-testid="price-flag"' in page and "审核通过并上架" not in page and "须经遴选后上架" in page
    page = client.post(reverse("providers:product-act", args=[product.pk, "approve"]), follow=True).content.decode()
    assert "须经遴选" in page
    client.post(reverse("providers:product-act", args=[product.pk, "selection-pre-review"]), {"opinion": "齐全"})
    client.post(reverse("providers:product-act", args=[product.pk, "selection-review"]),
                {"reviewer_name": "第二批评审专家组", "score": "86.5", "opinion": "内容标准化，定价合理"})
    product.refresh_from_db()
    assert product.state == "selection_reviewed" and product.selection_score == Decimal("86.50")
    # the bureau confirms: the public notice opens; when it closes clear the product is listed
    client.force_login(bureau)
    client.post(reverse("providers:product-act", args=[product.pk, "selection-confirm"]), {"opinion": "同意"})
    product.refresh_from_db()
    assert product.state == "under_notice"
    notice = PublicNotice.objects.get(pk=product.notice_id)
    assert notice.kind == "provider_admission" and "新增服务产品入选公示" in notice.title
    set_clock(notice.closes_at + timedelta(hours=1))
    notices_close_expired()
    product.refresh_from_db()
    assert product.state == "listed" and not product.awaiting_selection and product.selected_at is not None


def test_admin_screens_render_for_staff(client, make_user):
    from hangqifu.accounts.roles import sync_role_groups
    from providers.models import Removal

    # post_migrate syncs the role groups when accounts' signal fires, before later apps' permissions exist
    sync_role_groups()
    product = ProductFactory(submitted=True)
    application = ProviderApplication.objects.get(organisation=product.provider)
    center = make_user(role=Role.SERVICE_CENTER)
    removal = services.removal_propose(actor=center, profile=product.provider.provider_profile, reason="other",
                                       details="核查")
    client.force_login(center)
    for url in [reverse("admin:providers_providerapplication_changelist") + "?state__exact=admitted",
                reverse("admin:providers_providerapplication_change", args=[application.pk]),
                reverse("admin:providers_product_changelist"),
                reverse("admin:providers_product_change", args=[product.pk]),
                reverse("admin:providers_selectionround_changelist"),
                reverse("admin:providers_removal_changelist"),
                reverse("admin:providers_removal_change", args=[removal.pk]),
                reverse("admin:providers_removal_add"),
                reverse("admin:providers_providerprofile_changelist")]:
        assert client.get(url).status_code == 200, url
    # an admin action calls the service: approve the submitted product
    client.post(reverse("admin:providers_product_changelist"),
                {"action": "approve", "_selected_action": [product.pk]})
    product.refresh_from_db()
    assert product.state == "listed"
    # an action with an opinion: the bureau cannot cancel without one, then does
    client.force_login(make_user(role=Role.BUREAU))
    url = reverse("admin:providers_removal_changelist")
    client.post(url, {"action": "cancel", "_selected_action": [removal.pk], "apply": "1", "opinion": "经核查不属实"})
    assert Removal.objects.get().state == "cancelled"
