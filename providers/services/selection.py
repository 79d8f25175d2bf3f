"""Selection of products added after admission (第十五条): such a product joins the next selection round —
service-center formal pre-review → expert or third-party review → bureau confirmation → public notice (the
admission notice kind, objections as for providers) → listed when the notice closes clear. Its category must
be one the provider was admitted for, checked at every step and again when an order is placed."""
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.core import clock
from hangqifu.core.choices import ServiceCategory
from hangqifu.core.errors import InvalidInput, RuleViolation
from hangqifu.notices.services import notice_publish
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire, transition_check
from sanctions.services import assert_not_banned

from ..models import Product, ProviderProfile, SelectionRound

NOTICE_KIND = "provider_admission"  # the same public notice as the providers selected in a round


def assert_category_admitted(organisation_id: int, category: str) -> ProviderProfile:
    """The provider is admitted and `category` is one of the categories it was admitted for."""
    profile = ProviderProfile.objects.filter(organisation_id=organisation_id,
                                             state=ProviderProfile.State.ADMITTED).first()
    if profile is None:
        raise RuleViolation("只有已入驻且未被清退的服务机构可以发布产品", code="not_admitted")
    if category not in (profile.categories or []):
        admitted = "、".join(ServiceCategory(c).label for c in profile.categories if c in ServiceCategory.values)
        label = ServiceCategory(category).label if category in ServiceCategory.values else category
        message = f"服务类别“{label}”不在贵机构入驻的服务类别（{admitted or '无'}）内，不能发布该类产品"
        raise RuleViolation(message, code="category_not_admitted", fields={"category": [message]})
    return profile


def next_selection_round() -> SelectionRound | None:
    """The round a new product joins: the one open now, else the next announced one."""
    return SelectionRound.objects.filter(closes_at__gt=clock.now()).order_by("opens_at", "pk").first()


def join_next_round(product: Product) -> SelectionRound:
    """Called by product_submit for a product awaiting selection; refuses when no round is announced."""
    round = next_selection_round()
    if round is None:
        raise RuleViolation("新增产品须参加遴选，目前没有已公布的遴选批次；请待市工信服务中心公布下一批次后提交",
                            code="no_selection_round")
    product.selection_round = round
    return round


def _locked(product) -> Product:
    return Product.objects.select_for_update(of=("self",)).select_related("provider", "selection_round").get(pk=product.pk)


def _url(product) -> str:
    return reverse("providers:product-detail", args=[product.pk])


@transaction.atomic
def product_selection_pre_review(*, actor, product, opinion: str = "") -> Product:
    """The service center's formal pre-review of a new product: it enters its round's expert review."""
    product = _locked(product)
    transition_check(product, "enter_selection", actor=actor)
    assert_category_admitted(product.provider_id, product.category)
    if product.selection_round_id is None:
        join_next_round(product)
    opinion = (opinion or "").strip()
    fire(product, "enter_selection", actor=actor, action="product.selection_pre_review", fields=["selection_round"],
         changes={"review_opinion": opinion}, organisation=product.provider,
         payload={"round": product.selection_round_id, "opinion": opinion})
    notify(subject=f"新增服务产品通过形式预审，进入{product.selection_round}评审：{product.title}", url=_url(product),
           organisation=product.provider)
    return product


def _score(value) -> Decimal:
    try:
        score = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        score = None
    if score is None or not score.is_finite() or not 0 <= score <= 100 or score != round(score, 2):
        raise InvalidInput("评审得分须在 0–100 之间", code="score_out_of_rubric", fields={"score": ["须在 0–100 之间"]})
    return score


@transaction.atomic
def product_selection_review(*, actor, product, reviewer_name: str, score, opinion: str) -> Product:
    """The service center records the round's expert panel or third-party institution's review of the product."""
    product = _locked(product)
    transition_check(product, "record_selection_review", actor=actor)
    errors = {}
    if not (reviewer_name or "").strip():
        errors["reviewer_name"] = ["请填写评审方（专家组或第三方机构名称）"]
    if not (opinion or "").strip():
        errors["opinion"] = ["请填写评审意见"]
    if errors:
        raise InvalidInput("请填写评审方和评审意见", fields=errors)
    score, reviewer, opinion = _score(score), reviewer_name.strip()[:200], opinion.strip()
    fire(product, "record_selection_review", actor=actor, action="product.selection_review",
         changes={"selection_score": score, "selection_reviewer": reviewer, "selection_opinion": opinion},
         organisation=product.provider, payload={"reviewer": reviewer, "score": score, "opinion": opinion})
    notify(subject=f"新增服务产品评审完成，待确认：{product.title}", url=_url(product), roles=[Role.BUREAU])
    return product


@transaction.atomic
def products_selection_confirm(*, actor, products, opinion: str = "") -> list[Product]:
    """The bureau confirms reviewed new products of one round; one public notice lists them. An objection holds
    only the product it concerns."""

    confirmed = []
    for product in sorted(products, key=lambda p: p.pk):
        product = _locked(product)
        transition_check(product, "confirm_selection", actor=actor)
        assert_category_admitted(product.provider_id, product.category)
        assert_not_banned(product.provider, entry_point="product")
        confirmed.append(product)
    if not confirmed:
        raise InvalidInput("请选择要确认的产品", fields={"products": ["至少一个"]})
    if len({p.selection_round_id for p in confirmed}) != 1:
        raise InvalidInput("一次只能确认同一遴选批次的新增产品")
    round = confirmed[0].selection_round
    lines = [f"{i}. {p.provider.name}：{p.title}（{p.get_category_display()}，{p.price:,.2f} 元，评审得分 "
             f"{p.selection_score}）" for i, p in enumerate(confirmed, 1)]
    notice = notice_publish(
        kind=NOTICE_KIND, title=f"{round.title}新增服务产品入选公示",
        body="根据《杭州市中小微企业服务券管理办法》第十五条，已入驻服务机构新增的服务产品经形式预审、评审和市经信局确认，"
             "现予以公示。公示期内如有异议，请在线提出。\n" + "\n".join(lines),
        items=[(p, f"{p.provider.name}：{p.title}") for p in confirmed], actor=actor)
    opinion = (opinion or "").strip()
    for product in confirmed:
        fire(product, "confirm_selection", actor=actor, action="product.selection_confirm",
             changes={"notice_id": notice.pk, **({"review_opinion": opinion} if opinion else {})},
             organisation=product.provider, payload={"notice": notice.pk, "round": round.pk, "opinion": opinion})
    return confirmed


@transaction.atomic
def product_selected(*, product, actor=None) -> Product:
    """The notice closed clear for this product: selected and listed."""
    product = _locked(product)
    fire(product, "selected", actor=actor, system=True, action="product.selected", organisation=product.provider,
         payload={"round": product.selection_round_id})
    notify(subject=f"新增服务产品公示期满无异议，已在产品目录上架：{product.title}", url=_url(product),
           organisation=product.provider)
    return product


@transaction.atomic
def product_selection_objection_upheld(*, product, actor=None) -> Product:
    product = _locked(product)
    fire(product, "selection_objection_upheld", actor=actor, system=True,
         action="product.selection_objection_upheld", organisation=product.provider,
         changes={"review_opinion": "公示期内异议经核实成立，该产品未入选"})
    notify(subject=f"新增服务产品公示期异议成立，未入选：{product.title}", url=_url(product),
           organisation=product.provider)
    return product
