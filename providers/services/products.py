"""Standardised products (第十五条): draft → submitted → listed (service center) → delisted, and relisting.
A product added after admission first goes through selection (selection.py) before it is listed."""
from decimal import Decimal

from django.db import transaction
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.audit.services import audit_record
from hangqifu.core.choices import ServiceCategory
from hangqifu.core.errors import InvalidInput, NotFound, NotPermitted, RuleViolation
from hangqifu.core.money import yuan
from hangqifu.core.partial import given
from hangqifu.documents.selectors import documents_for
from hangqifu.documents.services import document_store
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire, transition_check
from sanctions.services import assert_not_banned

from ..models import Product, ProviderProfile
from ..models._perms import is_owner
from .selection import assert_category_admitted, join_next_round

PRICE_BASIS_KIND = "price_basis"
PRICE_BASIS_KINDS = {PRICE_BASIS_KIND: "定价依据证明（上年度同类产品合同及金额）"}
PRODUCT_FIELDS = ["category", "title", "description", "deliverables", "duration_days", "price",
                  "last_year_average_price"]
SATISFACTION_VALUES = ("satisfied", "basically_satisfied", "dissatisfied")


def _clean(data: dict) -> dict:
    errors, clean = {}, {}
    if data.get("category") not in ServiceCategory.values:
        errors["category"] = ["服务类别必须是十类服务之一"]
    for field, label in (("title", "产品名称"), ("description", "标准化服务内容"), ("deliverables", "交付成果")):
        value = (data.get(field) or "").strip()
        if not value:
            errors[field] = [f"请填写{label}"]
        clean[field] = value
    try:
        duration = int(data.get("duration_days"))
        if duration <= 0:
            raise ValueError
        clean["duration_days"] = duration
    except (TypeError, ValueError):
        errors["duration_days"] = ["服务周期须为正整数（天）"]
    for field, label in (("price", "价格"), ("last_year_average_price", "上年度平均合同金额")):
        try:
            clean[field] = yuan(data.get(field))
        except ValueError:
            errors[field] = [f"{label}格式不正确"]
            continue
        if clean[field] <= 0:
            errors[field] = [f"{label}必须大于 0"]
    if errors:
        raise InvalidInput("产品信息有误", fields=errors)
    return {**clean, "category": data["category"]}


def require_admitted(organisation_id) -> ProviderProfile:
    profile = ProviderProfile.objects.filter(organisation_id=organisation_id,
                                             state=ProviderProfile.State.ADMITTED).first()
    if profile is None:
        raise RuleViolation("只有已入驻且未被清退的服务机构可以发布产品", code="not_admitted")
    return profile


@transaction.atomic
def product_create(*, actor, category: str, title: str, description: str, deliverables: str, duration_days: int,
                   price: Decimal, last_year_average_price: Decimal) -> Product:
    if not actor.has_role(Role.PROVIDER) or actor.organisation_id is None:
        raise NotPermitted("只有服务机构账号可以发布产品")
    require_admitted(actor.organisation_id)
    fields = _clean({"category": category, "title": title, "description": description, "deliverables": deliverables,
                     "duration_days": duration_days, "price": price,
                     "last_year_average_price": last_year_average_price})
    assert_category_admitted(actor.organisation_id, fields["category"])
    # added after admission: it was not in the selection that admitted the provider
    product = Product.objects.create(provider_id=actor.organisation_id, awaiting_selection=True, **fields)
    audit_record(actor=actor, action="product.create", obj=product, to_state=product.state,
                 organisation=actor.organisation, payload={"awaiting_selection": True})
    return product


def _locked(product) -> Product:
    return Product.objects.select_for_update().select_related("provider").get(pk=product.pk)


@transaction.atomic
def product_update(*, actor, product, category: str | None = None, title: str | None = None,
                   description: str | None = None, deliverables: str | None = None, duration_days: int | None = None,
                   price: Decimal | None = None, last_year_average_price: Decimal | None = None) -> Product:
    """Change the fields given (None: unchanged) of a draft or delisted product."""
    data = given(category=category, title=title, description=description, deliverables=deliverables,
                 duration_days=duration_days, price=price, last_year_average_price=last_year_average_price)
    product = _locked(product)
    if not is_owner(product.provider_id, actor):
        raise NotPermitted()
    if product.state not in (Product.State.DRAFT, Product.State.DELISTED):
        raise RuleViolation("只有草稿或已下架的产品可以修改", code="invalid_transition")
    current = {f: getattr(product, f) for f in PRODUCT_FIELDS}
    fields = _clean({**current, **data})
    assert_category_admitted(product.provider_id, fields["category"])
    for field, value in fields.items():
        setattr(product, field, value)
    product.save(update_fields=PRODUCT_FIELDS)
    audit_record(actor=actor, action="product.update", obj=product, organisation=product.provider,
                 payload={"fields": sorted(data)})
    return product


@transaction.atomic
def product_evidence_add(*, actor, product, uploaded_file):
    product = _locked(product)
    if not is_owner(product.provider_id, actor):
        raise NotPermitted()
    if product.state not in (Product.State.DRAFT, Product.State.DELISTED):
        raise RuleViolation("产品已提交，不能再上传材料", code="invalid_transition")
    return document_store(owner=product, kind=PRICE_BASIS_KIND, uploaded_file=uploaded_file, actor=actor,
                          allowed_kinds=list(PRICE_BASIS_KINDS))


def has_price_evidence(product) -> bool:
    return bool(list(documents_for(product, kind=PRICE_BASIS_KIND)))


@transaction.atomic
def product_submit(*, actor, product) -> Product:
    product = _locked(product)
    transition_check(product, "submit", actor=actor)
    assert_category_admitted(product.provider_id, product.category)
    assert_not_banned(product.provider, entry_point="product")
    if not has_price_evidence(product):
        raise InvalidInput("请上传定价依据证明（上年度同类产品的合同及金额）", code="missing_documents",
                           fields={PRICE_BASIS_KIND: ["请上传定价依据证明"]})
    if product.awaiting_selection:
        join_next_round(product)
    fire(product, "submit", actor=actor, action="product.submit", fields=["selection_round"],
         organisation=product.provider,
         payload={"price": product.price, "basis": product.last_year_average_price,
                  "price_above_basis": product.price_above_basis,
                  "selection_round": product.selection_round_id if product.awaiting_selection else None})
    kind = f"新增服务产品待形式预审（{product.selection_round}）" if product.awaiting_selection else "服务产品待审核"
    notify(subject=f"{kind}：{product.title}" + ("（价格高于定价依据）" if product.price_above_basis else ""),
           url=reverse("providers:product-detail", args=[product.pk]), roles=[Role.SERVICE_CENTER])
    return product


@transaction.atomic
def product_approve(*, actor, product, opinion: str = "") -> Product:
    product = _locked(product)
    transition_check(product, "approve", actor=actor)
    assert_category_admitted(product.provider_id, product.category)
    assert_not_banned(product.provider, entry_point="product")
    opinion = (opinion or "").strip()
    fire(product, "approve", actor=actor, action="product.approve", changes={"review_opinion": opinion},
         organisation=product.provider, payload={"opinion": opinion})
    notify(subject=f"服务产品审核通过，已在产品目录上架：{product.title}",
           url=reverse("providers:product-detail", args=[product.pk]), organisation=product.provider)
    return product


@transaction.atomic
def product_return(*, actor, product, opinion: str) -> Product:
    product = _locked(product)
    transition_check(product, "return_to_draft", actor=actor)
    opinion = (opinion or "").strip()
    if not opinion:
        raise InvalidInput("请填写退回意见", fields={"opinion": ["必填"]})
    fire(product, "return_to_draft", actor=actor, action="product.return", changes={"review_opinion": opinion},
         organisation=product.provider, payload={"opinion": opinion})
    notify(subject=f"服务产品被退回修改：{product.title}", body=opinion,
           url=reverse("providers:product-detail", args=[product.pk]), organisation=product.provider)
    return product


@transaction.atomic
def product_delist(*, actor, product, reason: str = "", system: bool = False) -> Product:
    """Delisted by the provider, by staff, or by a removal (system). Open orders are not affected."""
    product = _locked(product)
    reason = (reason or "").strip()[:200] or ("服务机构自行下架" if is_owner(product.provider_id, actor)
                                              else "管理部门下架")
    fire(product, "delist", actor=actor, system=system, action="product.delist", changes={"delist_reason": reason},
         organisation=product.provider, payload={"reason": reason})
    if not is_owner(product.provider_id, actor):
        notify(subject=f"服务产品已下架：{product.title}", body=product.delist_reason,
               url=reverse("providers:product-detail", args=[product.pk]), organisation=product.provider)
    return product


@transaction.atomic
def product_stats_record(*, product_id: int, ordered: bool = False, satisfaction: str | None = None) -> Product:
    """For the order workflow, inside its transaction: count a new order (`ordered=True`) and/or a
    satisfaction rating (`satisfied` / `basically_satisfied` / `dissatisfied`). The catalogue shows and sorts
    by these figures."""
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise NotFound("服务产品不存在")
    if satisfaction is not None and satisfaction not in SATISFACTION_VALUES:
        raise InvalidInput("满意度评价只能是 satisfied / basically_satisfied / dissatisfied")
    if ordered:
        product.order_count += 1
    if satisfaction is not None:
        product.rating_count += 1
        if satisfaction == "dissatisfied":
            product.dissatisfied_count += 1
        else:
            product.satisfied_count += 1
        product.satisfaction_rate = (Decimal(product.satisfied_count) / product.rating_count).quantize(Decimal("0.001"))
    product.save(update_fields=["order_count", "rating_count", "satisfied_count", "dissatisfied_count",
                                "satisfaction_rate"])
    return product
