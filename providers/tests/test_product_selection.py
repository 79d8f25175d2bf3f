"""第十五条 for products added after admission: they join the next selection round (pre-review, review, bureau
confirmation, public notice) and their category must be one the provider was admitted for."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from hangqifu.accounts.roles import Role
from hangqifu.audit.models import AuditEvent
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, InvalidTransition, NotPermitted, RuleViolation
from hangqifu.documents.tests.factories import pdf_upload
from hangqifu.notices import services as notices
from hangqifu.notices.models import NoticeItem
from providers import selectors, services
from providers.models import Product, ProviderProfile, SelectionRound

from .factories import ProductFactory, SelectionRoundFactory, admitted_provider

pytestmark = pytest.mark.django_db
P = Product.State
NEW = {"category": "digital_empowerment", "title": "工业互联网上云辅导", "description": "设备联网评估与上云方案",
       "deliverables": "上云方案", "duration_days": 40, "price": Decimal("26000.00"),
       "last_year_average_price": Decimal("25000.00")}


@pytest.fixture
def world(policy_day, make_user):
    provider = admitted_provider()
    # the round that admitted it is long closed
    SelectionRound.objects.update(opens_at=clock.now() - timedelta(days=90), closes_at=clock.now() - timedelta(days=60))
    return {"provider": provider, "center": make_user(role=Role.SERVICE_CENTER),
            "bureau": make_user(role=Role.BUREAU)}


def _new_product(provider, **overrides):
    product = services.product_create(actor=provider, **{**NEW, **overrides})
    services.product_evidence_add(actor=provider, product=product, uploaded_file=pdf_upload("合同.pdf"))
    return product


def _reviewed(world, product, score="85"):
    services.product_selection_pre_review(actor=world["center"], product=product, opinion="齐全")
    return services.product_selection_review(actor=world["center"], product=product, reviewer_name="评审专家组",
                                             score=score, opinion="标准化程度高")


def test_a_new_product_is_selected_through_the_round_and_listed_after_the_notice(world):
    round_ = SelectionRoundFactory()
    product = services.product_submit(actor=world["provider"], product=_new_product(world["provider"]))
    assert product.awaiting_selection and product.selection_round == round_
    # the plain approval is refused: it has to be selected
    with pytest.raises(RuleViolation) as exc:
        services.product_approve(actor=world["center"], product=product)
    assert exc.value.code == "selection_required"
    product = _reviewed(world, product)
    assert product.state == P.SELECTION_REVIEWED
    [product] = services.products_selection_confirm(actor=world["bureau"], products=[product], opinion="同意")
    assert product.state == P.UNDER_NOTICE and product.notice_id
    with pytest.raises(RuleViolation):
        selectors.orderable_product(product_id=product.pk)
    assert notices.PublicNotice.objects.get(pk=product.notice_id).kind == "provider_admission"
    for action in ("product.selection_pre_review", "product.selection_review", "product.selection_confirm"):
        assert AuditEvent.objects.filter(action=action, object_id=str(product.pk)).exists()


def test_the_notice_lists_it_when_clear_and_returns_it_on_an_upheld_objection(world, set_clock, make_user):
    SelectionRoundFactory()
    kept = _reviewed(world, services.product_submit(actor=world["provider"], product=_new_product(world["provider"])))
    objected = _reviewed(world, services.product_submit(
        actor=world["provider"], product=_new_product(world["provider"], title="数据治理咨询")))
    services.products_selection_confirm(actor=world["bureau"], products=[kept, objected])
    kept.refresh_from_db()
    notice = notices.PublicNotice.objects.get(pk=kept.notice_id)
    item = NoticeItem.objects.get(notice=notice, object_id=str(objected.pk))
    objection = notices.objection_file(notice=notice, user=make_user(role=Role.ENTERPRISE), content="案例不实",
                                       item=item)
    notices.objection_resolve(objection=objection, actor=world["center"], upheld=True, opinion="核实成立")
    set_clock(notice.closes_at + timedelta(hours=1))
    notices.notices_close_expired()
    kept.refresh_from_db()
    objected.refresh_from_db()
    assert kept.state == P.LISTED and kept.selected_at and not kept.awaiting_selection
    assert selectors.orderable_product(product_id=kept.pk) == kept
    assert objected.state == P.DRAFT and objected.awaiting_selection


@pytest.mark.parametrize("offset,joins_first", [(timedelta(seconds=-1), True), (timedelta(0), False)])
def test_it_joins_the_round_open_until_its_close_else_the_next_announced(world, set_clock, offset, joins_first):
    first = SelectionRoundFactory()
    later = SelectionRoundFactory(opens_at=first.closes_at + timedelta(days=30),
                                  closes_at=first.closes_at + timedelta(days=60))
    product = _new_product(world["provider"])
    set_clock(first.closes_at + offset)
    product = services.product_submit(actor=world["provider"], product=product)
    assert product.selection_round == (first if joins_first else later)


def test_without_an_announced_round_submission_is_refused(world):
    product = _new_product(world["provider"])
    with pytest.raises(RuleViolation) as exc:
        services.product_submit(actor=world["provider"], product=product)
    assert exc.value.code == "no_selection_round"
    product.refresh_from_db()
    assert product.state == P.DRAFT


def test_the_category_must_be_one_the_provider_was_admitted_for(world):
    SelectionRoundFactory()
    provider = world["provider"]
    with pytest.raises(RuleViolation) as exc:
        services.product_create(actor=provider, **{**NEW, "category": "legal"})
    assert exc.value.code == "category_not_admitted" and "数字赋能" in exc.value.detail
    product = _new_product(provider)
    with pytest.raises(RuleViolation):
        services.product_update(actor=provider, product=product, category="legal")
    # checked again at the moment of use: the bureau's confirmation and the order
    product = _reviewed(world, services.product_submit(actor=provider, product=product))
    ProviderProfile.objects.filter(organisation=provider.organisation).update(categories=["legal"])
    with pytest.raises(RuleViolation) as exc:
        services.products_selection_confirm(actor=world["bureau"], products=[product])
    assert exc.value.code == "category_not_admitted"
    listed = ProductFactory(listed=True, provider=provider.organisation)  # digital, no longer admitted
    with pytest.raises(RuleViolation) as exc:
        selectors.orderable_product(product_id=listed.pk)
    assert exc.value.code == "category_not_admitted"


@pytest.mark.parametrize("score,ok", [("-0.01", False), ("0", True), ("100", True), ("100.01", False),
                                      ("85.555", False)])
def test_the_review_score_is_0_to_100(world, score, ok):
    SelectionRoundFactory()
    product = services.product_submit(actor=world["provider"], product=_new_product(world["provider"]))
    if ok:
        assert _reviewed(world, product, score).selection_score == Decimal(score)
    else:
        with pytest.raises(InvalidInput):
            _reviewed(world, product, score)


def test_roles_and_states(world):
    SelectionRoundFactory()
    product = services.product_submit(actor=world["provider"], product=_new_product(world["provider"]))
    with pytest.raises(NotPermitted):
        services.product_selection_pre_review(actor=world["bureau"], product=product)
    with pytest.raises(InvalidTransition):
        services.products_selection_confirm(actor=world["bureau"], products=[product])
    # a product selected at admission is not put through selection again
    selected = ProductFactory(submitted=True, provider=world["provider"].organisation)
    with pytest.raises(InvalidTransition):
        services.product_selection_pre_review(actor=world["center"], product=selected)
    # the staff may return a product under review to the provider
    _reviewed(world, product)
    assert services.product_return(actor=world["bureau"], product=product, opinion="案例材料不足").state == P.DRAFT


def test_the_database_refuses_listing_a_product_awaiting_selection(world):
    product = _new_product(world["provider"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(state=P.LISTED, listed_at=clock.now())


def test_the_selection_api(world, api_as):
    SelectionRoundFactory()
    provider, center, bureau = (api_as(world[k]) for k in ("provider", "center", "bureau"))
    product = provider.post("/api/v1/products/", {**NEW, "price": "26000.00", "last_year_average_price": "25000.00"},
                            format="json").json()
    assert product["awaiting_selection"] is True
    pk = product["id"]
    provider.post(f"/api/v1/products/{pk}/documents/", {"file": pdf_upload("合同.pdf")}, format="multipart")
    assert provider.post(f"/api/v1/products/{pk}/submit/", {}, format="json").json()["selection_round"]
    response = center.post(f"/api/v1/products/{pk}/approve/", {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "selection_required"
    body = center.post(f"/api/v1/products/{pk}/selection-pre-review/", {"opinion": "齐全"}, format="json").json()
    assert body["state"] == "in_selection" and "selection-review" in body["available_actions"]
    response = center.post(f"/api/v1/products/{pk}/selection-review/",
                           {"reviewer_name": "专家组", "score": "100.01", "opinion": "好"}, format="json")
    assert response.status_code == 400
    body = center.post(f"/api/v1/products/{pk}/selection-review/",
                       {"reviewer_name": "专家组", "score": "88", "opinion": "好"}, format="json").json()
    assert body["state"] == "selection_reviewed" and body["selection_score"] == "88.00"
    assert center.post("/api/v1/products/selection-confirm/", {"products": [pk]}, format="json").status_code == 403
    body = bureau.post("/api/v1/products/selection-confirm/", {"products": [pk]}, format="json").json()
    assert body[0]["state"] == "under_notice" and body[0]["notice"]
    schema = api_as(world["center"]).get("/api/v1/schema/").content.decode()
    assert "selection_required" in schema and "category_not_admitted" in schema
