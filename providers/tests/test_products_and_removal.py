"""Products FSM, the catalogue and orderable_product, removal FSM and the nightly proposals."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from hangqifu.accounts.roles import Role
from hangqifu.core.errors import InvalidInput, InvalidTransition, NotFound, NotPermitted, RuleViolation
from hangqifu.documents.tests.factories import pdf_upload
from hangqifu.notices import services as notices
from hangqifu.notices.models import NoticeItem
from providers import selectors, services
from providers.models import Product, ProviderProfile, Removal, RemovalReason
from providers.performance import ProviderYearStats, removal_proposals_run

from .factories import ProductFactory, admitted_provider, provider_user

pytestmark = pytest.mark.django_db
P = Product.State

PRODUCT = {"category": "digital_empowerment", "title": "专利布局规划", "description": "专利检索与布局",
           "deliverables": "布局报告", "duration_days": 45, "price": Decimal("12000.00"),
           "last_year_average_price": Decimal("10000.00")}


@pytest.fixture
def provider(policy_day):
    return admitted_provider()


def _submitted(provider):
    product = services.product_create(actor=provider, **PRODUCT)
    services.product_evidence_add(actor=provider, product=product, uploaded_file=pdf_upload("合同.pdf"))
    return services.product_submit(actor=provider, product=product)


def test_product_path_draft_submitted_listed_delisted_relisted(provider, center):
    # a product proposed at admission (selected with its provider)
    product = ProductFactory(provider=provider.organisation, price=Decimal("12000.00"),
                             last_year_average_price=Decimal("10000.00"))
    services.product_evidence_add(actor=provider, product=product, uploaded_file=pdf_upload("合同.pdf"))
    product = services.product_submit(actor=provider, product=product)
    assert product.state == P.SUBMITTED and product.price_above_basis  # flagged to the reviewer
    with pytest.raises(NotPermitted):
        services.product_approve(actor=provider, product=product)
    product = services.product_approve(actor=center, product=product, opinion="定价依据充分")
    assert product.state == P.LISTED and selectors.orderable_product(product_id=product.pk) == product
    product = services.product_delist(actor=provider, product=product, reason="暂停服务")
    assert product.state == P.DELISTED
    with pytest.raises(RuleViolation):
        selectors.orderable_product(product_id=product.pk)
    product = services.product_submit(actor=provider, product=product)  # relisting goes through review again
    assert services.product_approve(actor=center, product=product).state == P.LISTED


def test_product_needs_price_evidence_and_a_return_needs_an_opinion(provider, center):
    product = services.product_create(actor=provider, **PRODUCT)
    with pytest.raises(InvalidInput) as exc:
        services.product_submit(actor=provider, product=product)
    assert exc.value.code == "missing_documents"
    product.refresh_from_db()
    assert product.state == P.DRAFT
    product = _submitted(provider)
    with pytest.raises(InvalidInput):
        services.product_return(actor=center, product=product, opinion="")
    assert services.product_return(actor=center, product=product, opinion="请细化交付成果").state == P.DRAFT


@pytest.mark.parametrize("field,value", [("price", "0"), ("price", "-5"), ("category", "space"),
                                         ("last_year_average_price", "0"), ("duration_days", 0)])
def test_bad_product_input_is_refused(provider, field, value):
    with pytest.raises(InvalidInput) as exc:
        services.product_create(actor=provider, **{**PRODUCT, field: value})
    assert field in exc.value.fields
    assert not Product.objects.exists()


def test_only_admitted_providers_publish_products(policy_day, make_user):
    with pytest.raises(RuleViolation) as exc:
        services.product_create(actor=provider_user(), **PRODUCT)
    assert exc.value.code == "not_admitted"
    with pytest.raises(NotPermitted):
        services.product_create(actor=make_user(role=Role.ENTERPRISE), **PRODUCT)


def test_wrong_state_transitions_are_refused(provider, center):
    product = services.product_create(actor=provider, **PRODUCT)
    with pytest.raises(InvalidTransition):
        services.product_approve(actor=center, product=product)
    with pytest.raises(InvalidTransition):
        services.product_delist(actor=provider, product=product)


def test_orderable_product_and_is_admitted(policy_day):
    assert not selectors.is_admitted(provider_user().organisation)
    with pytest.raises(NotFound):
        selectors.orderable_product(product_id=999999)
    product = ProductFactory(submitted=True)
    with pytest.raises(RuleViolation) as exc:
        selectors.orderable_product(product_id=product.pk)
    assert exc.value.code == "product_not_listed"
    assert selectors.is_admitted(product.provider)


# ------------------------------------------------------------------ catalogue


def test_catalogue_filters_and_sorts(policy_day):
    xihu = ProductFactory(listed=True, title="数字化诊断", price=Decimal("5000"))
    binjiang_provider = admitted_provider(district="binjiang").organisation
    other = ProductFactory(listed=True, provider=binjiang_provider, category="legal", title="合同审查",
                           price=Decimal("20000"))
    ProductFactory(provider=binjiang_provider, title="草稿产品")  # not listed
    services.product_stats_record(product_id=other.pk, ordered=True, satisfaction="satisfied")
    assert list(selectors.catalogue()) == [other, xihu] or set(selectors.catalogue()) == {xihu, other}
    assert list(selectors.catalogue(category="legal")) == [other]
    assert list(selectors.catalogue(district="xihu")) == [xihu]
    assert list(selectors.catalogue(q="诊断")) == [xihu]
    assert list(selectors.catalogue(min_price="10000")) == [other]
    assert list(selectors.catalogue(max_price="10000")) == [xihu]
    assert list(selectors.catalogue(ordering="price")) == [xihu, other]
    assert list(selectors.catalogue(ordering="satisfaction"))[0] == other
    assert list(selectors.catalogue(ordering="orders"))[0] == other


def test_catalogue_api_is_public_and_bounded(policy_day, api_client, django_assert_max_num_queries):
    provider = admitted_provider().organisation
    ProductFactory.create_batch(30, listed=True, provider=provider)
    for size in (5, 30):
        with django_assert_max_num_queries(2):
            response = api_client.get("/api/v1/catalogue/", {"page_size": size, "category": "digital_empowerment",
                                                             "ordering": "price"})
        assert response.status_code == 200 and len(response.json()["results"]) == size
    assert response.json()["count"] == 30
    assert response.json()["results"][0]["provider"]["district"] == "xihu"


def test_catalogue_page_is_bounded(policy_day, client, django_assert_max_num_queries):
    provider = admitted_provider().organisation
    ProductFactory.create_batch(25, listed=True, provider=provider)
    with django_assert_max_num_queries(4):
        response = client.get("/providers/catalogue/", {"q": "标准化"})
    assert response.status_code == 200
    assert len(set(re.findall(r"/providers/catalogue/(\d+)/", response.content.decode()))) == 20


def test_product_stats_record_keeps_the_catalogue_figures(policy_day):
    product = ProductFactory(listed=True)
    services.product_stats_record(product_id=product.pk, ordered=True)
    for value in ("satisfied", "basically_satisfied", "dissatisfied", "satisfied"):
        services.product_stats_record(product_id=product.pk, satisfaction=value)
    product.refresh_from_db()
    assert (product.order_count, product.rating_count, product.satisfied_count, product.dissatisfied_count) == (1, 4, 3, 1)
    assert product.satisfaction_rate == Decimal("0.750")
    with pytest.raises(InvalidInput):
        services.product_stats_record(product_id=product.pk, satisfaction="meh")


# ------------------------------------------------------------------ removal


def test_removal_path_delists_products_and_blocks_new_orders(policy_day, center, bureau, set_clock):
    product = ProductFactory(listed=True)
    pending = ProductFactory(submitted=True, provider=product.provider)
    profile = product.provider.provider_profile
    with pytest.raises(NotPermitted):
        services.removal_propose(actor=product.provider.users.first(), profile=profile,
                                 reason=RemovalReason.SUBCONTRACTING, details="x")
    removal = services.removal_propose(actor=center, profile=profile, reason=RemovalReason.SUBCONTRACTING,
                                       details="抽查发现将服务整体转包给第三方")
    with pytest.raises(RuleViolation):  # one removal in progress at a time
        services.removal_propose(actor=center, profile=profile, reason=RemovalReason.OTHER, details="重复")
    with pytest.raises(NotPermitted):
        services.removal_confirm(actor=center, removal=removal)
    with pytest.raises(InvalidTransition):
        services.removal_announce(actor=center, removal=removal)
    removal = services.removal_confirm(actor=bureau, removal=removal, opinion="同意清退")
    removal = services.removal_announce(actor=center, removal=removal)
    assert removal.state == Removal.State.ANNOUNCED
    assert selectors.orderable_product(product_id=product.pk)  # still orderable during the announcement
    notice = NoticeItem.objects.get(object_id=str(removal.pk), notice__kind="provider_removal").notice
    set_clock(notice.closes_at + timedelta(minutes=1))
    notices.notices_close_expired()
    removal.refresh_from_db()
    profile.refresh_from_db()
    assert removal.state == Removal.State.REMOVED and profile.state == ProviderProfile.State.REMOVED
    assert set(Product.objects.filter(pk__in=[product.pk, pending.pk]).values_list("state", flat=True)) == {P.DELISTED}
    with pytest.raises(RuleViolation) as exc:
        selectors.orderable_product(product_id=product.pk)
    assert exc.value.code in ("product_not_listed", "provider_not_admitted")
    assert not selectors.is_admitted(product.provider)
    assert not selectors.catalogue().exists()
    with pytest.raises(RuleViolation):
        services.product_submit(actor=product.provider.users.first(), product=product)


def test_removal_cancel_needs_an_opinion(policy_day, center, bureau):
    profile = ProductFactory(listed=True).provider.provider_profile
    removal = services.removal_propose(actor=center, profile=profile, reason=RemovalReason.OTHER, details="核查")
    with pytest.raises(InvalidInput):
        services.removal_cancel(actor=bureau, removal=removal, opinion="")
    assert services.removal_cancel(actor=bureau, removal=removal, opinion="经核查不属实").state == Removal.State.CANCELLED


def _stats(profile, **kwargs):
    return {profile.organisation_id: ProviderYearStats(organisation_id=profile.organisation_id, year=2026, **kwargs)}


def test_nightly_job_proposes_removal_at_the_dissatisfaction_threshold(policy_day):
    profile = ProductFactory(listed=True).provider.provider_profile
    # 6 ratings (above the default minimum of 5) with 1 dissatisfied (16.7%): no proposal
    assert removal_proposals_run(stats=_stats(profile, rated_count=6, satisfied_count=5, dissatisfied_count=1,
                                              last_voucher_order_on=date(2026, 5, 1)))["proposed"] == 0
    # 4 ratings with 1 dissatisfied (25%): one rating short of the minimum, too few to judge
    assert removal_proposals_run(stats=_stats(profile, rated_count=4, satisfied_count=3, dissatisfied_count=1,
                                              last_voucher_order_on=date(2026, 5, 1)))["proposed"] == 0
    # 5 ratings with 1 dissatisfied = 20%: proposed, once
    stats = _stats(profile, rated_count=5, satisfied_count=4, dissatisfied_count=1,
                   last_voucher_order_on=date(2026, 5, 1))
    assert removal_proposals_run(stats=stats)["proposed"] == 1
    assert removal_proposals_run(stats=stats)["proposed"] == 0
    removal = Removal.objects.get()
    assert removal.reason == RemovalReason.DISSATISFACTION and removal.proposed_by is None
    assert removal.evidence["dissatisfied"] == 1 and removal.evidence["rated"] == 5


def test_nightly_job_proposes_removal_after_a_year_without_voucher_orders(set_clock, make_user):
    set_clock("2025-05-01T09:00:00+08:00")
    admitted_provider()
    profile = ProviderProfile.objects.get()
    set_clock("2026-04-30T09:00:00+08:00")
    assert removal_proposals_run(stats={})["proposed"] == 0  # admitted less than a full year ago
    set_clock("2026-05-02T09:00:00+08:00")
    assert removal_proposals_run(stats=_stats(profile, last_voucher_order_on=date(2025, 6, 1)))["proposed"] == 0
    assert removal_proposals_run(stats={})["proposed"] == 1
    assert Removal.objects.get().reason == RemovalReason.NO_ORDERS_FOR_A_YEAR
    # the bureau cancels: the same ground of the same year is not proposed again every night
    services.removal_cancel(actor=make_user(role=Role.BUREAU), removal=Removal.objects.get(), opinion="新入驻机构，观察")
    assert removal_proposals_run(stats={})["proposed"] == 0


def test_nightly_job_reads_the_registered_order_source(policy_day):
    """vouchers/performance.py registers the orders' figures; with no orders nothing is proposed yet."""
    ProductFactory(listed=True)
    assert removal_proposals_run() == {"proposed": 0}
    assert not Removal.objects.exists()


def test_a_banned_provider_cannot_list_or_be_ordered_from(provider, center, make_user):
    from sanctions.services import sanction_impose

    product = ProductFactory(submitted=True, provider=provider.organisation)
    listed = ProductFactory(listed=True, provider=provider.organisation)
    sanction_impose(actor=make_user(role=Role.BUREAU), organisation=provider.organisation, reason="虚假交易")
    with pytest.raises(RuleViolation) as exc:
        services.product_approve(actor=center, product=product)
    assert exc.value.code == "banned"
    with pytest.raises(RuleViolation) as exc:
        selectors.orderable_product(product_id=listed.pk)
    assert exc.value.code == "banned"


def test_an_upheld_objection_to_the_removal_announcement_cancels_it(policy_day, center, bureau, set_clock, make_user):
    product = ProductFactory(listed=True)
    profile = product.provider.provider_profile
    removal = services.removal_propose(actor=center, profile=profile, reason=RemovalReason.REDEMPTION_MISMATCH,
                                       details="审计发现兑付内容与服务记录不符")
    services.removal_confirm(actor=bureau, removal=removal)
    services.removal_announce(actor=center, removal=removal)
    item = NoticeItem.objects.get(object_id=str(removal.pk), notice__kind="provider_removal")
    objection = notices.objection_file(notice=item.notice, item=item, user=product.provider.users.first(),
                                       content="审计口径有误，附补充说明")
    set_clock(item.notice.closes_at + timedelta(minutes=1))
    notices.notices_close_expired()
    removal.refresh_from_db()
    assert removal.state == Removal.State.ANNOUNCED  # held while the objection is open
    notices.objection_resolve(objection=objection, actor=bureau, upheld=True, opinion="补充材料可信，撤销清退")
    removal.refresh_from_db()
    profile.refresh_from_db()
    assert removal.state == Removal.State.CANCELLED and profile.state == ProviderProfile.State.ADMITTED
    assert selectors.orderable_product(product_id=product.pk) == product
