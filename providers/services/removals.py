"""清退 (第十七条): proposals by staff or the nightly job, bureau confirmation, public announcement, removal."""
from django.db import IntegrityError, transaction
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, NotPermitted, RuleViolation
from hangqifu.notices.services import notice_publish
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire, transition_check

from ..models import Product, ProviderProfile, Removal, RemovalReason
from .products import product_delist

NOTICE_KIND = "provider_removal"


def _url(removal) -> str:
    return reverse("admin:providers_removal_change", args=[removal.pk])


@transaction.atomic
def removal_propose(*, actor, profile, reason: str, details: str, evidence: dict | None = None) -> Removal:
    """Staff (service center or bureau) propose a removal; actor None is the nightly performance job."""
    if actor is not None and not actor.has_role(Role.SERVICE_CENTER, Role.BUREAU):
        raise NotPermitted("只有市工信服务中心或市经信局可以提议清退")
    if reason not in RemovalReason.values:
        raise InvalidInput("清退事由必须是第十七条所列情形之一", fields={"reason": ["无效的清退事由"]})
    if not (details or "").strip():
        raise InvalidInput("请写明事实与依据", fields={"details": ["必填"]})
    profile = ProviderProfile.objects.select_for_update().select_related("organisation").get(pk=profile.pk)
    if profile.state != ProviderProfile.State.ADMITTED:
        raise RuleViolation("该服务机构已被清退", code="not_admitted")
    try:
        with transaction.atomic():
            removal = Removal.objects.create(profile=profile, reason=reason, details=details.strip(),
                                             evidence=evidence or {}, proposed_by=actor, proposed_at=clock.now())
    except IntegrityError as exc:
        raise RuleViolation("该服务机构已有进行中的清退程序", code="removal_in_progress") from exc
    audit_record(actor=actor, action="provider_removal.propose", obj=removal, to_state=removal.state,
                 organisation=profile.organisation, payload={"reason": reason, "evidence": evidence or {}})
    notify(subject=f"服务机构清退提议待确认：{profile.organisation.name}（{removal.get_reason_display()}）",
           url=_url(removal), roles=[Role.BUREAU])
    return removal


def _transition(*, actor, removal, name: str, action: str, opinion: str = "", require_opinion=False) -> Removal:
    removal = Removal.objects.select_for_update().select_related("profile__organisation").get(pk=removal.pk)
    transition_check(removal, name, actor=actor)
    opinion = (opinion or "").strip()
    if require_opinion and not opinion:
        raise InvalidInput("请填写处理意见", fields={"opinion": ["必填"]})
    changes = {"decided_by": actor, **({"decision_opinion": opinion} if opinion else {})}
    fire(removal, name, actor=actor, action=f"provider_removal.{action}", changes=changes,
         organisation=removal.profile.organisation, payload={"opinion": opinion})
    return removal


@transaction.atomic
def removal_confirm(*, actor, removal, opinion: str = "") -> Removal:
    removal = _transition(actor=actor, removal=removal, name="confirm", action="confirm", opinion=opinion)
    notify(subject=f"清退已确认，待发布公告：{removal.profile.organisation.name}", url=_url(removal),
           roles=[Role.SERVICE_CENTER])
    return removal


@transaction.atomic
def removal_cancel(*, actor, removal, opinion: str) -> Removal:
    return _transition(actor=actor, removal=removal, name="cancel", action="cancel", opinion=opinion,
                       require_opinion=True)


@transaction.atomic
def removal_announce(*, actor, removal) -> Removal:
    """Publish the removal announcement (公告) as a public notice; the provider is removed when it closes
    clear, or the removal is cancelled if an objection is upheld."""

    removal = _transition(actor=actor, removal=removal, name="announce", action="announce")
    organisation = removal.profile.organisation
    notice = notice_publish(
        kind=NOTICE_KIND, title=f"关于清退服务机构{organisation.name}的公告",
        body=f"根据《杭州市中小微企业服务券管理办法》第十七条，{organisation.name}（统一社会信用代码 "
             f"{organisation.credit_code or '—'}）存在“{removal.get_reason_display()}”情形，拟予以清退。\n"
             f"{removal.details}\n公告期内如有异议，请在线提出。",
        items=[(removal, organisation.name)], actor=actor)
    removal.notice_id = notice.pk
    removal.save(update_fields=["notice_id"])
    notify(subject="贵机构拟被清退，公告已发布", body=f"事由：{removal.get_reason_display()}。{removal.details}",
           organisation=organisation)
    return removal


@transaction.atomic
def removal_complete(*, removal, actor=None) -> Removal:
    """The announcement closed clear: the provider is removed, its products delisted, new orders refused.
    Orders already placed finish normally (the order workflow does not re-check admission)."""
    removal = Removal.objects.select_for_update().select_related("profile__organisation").get(pk=removal.pk)
    transition_check(removal, "complete", system=True)
    profile = ProviderProfile.objects.select_for_update().get(pk=removal.profile_id)
    organisation = profile.organisation
    fire(profile, "remove", actor=actor, system=True, action="provider.remove", organisation=organisation,
         payload={"removal": removal.pk, "reason": removal.reason})
    fire(removal, "complete", actor=actor, system=True, action="provider_removal.remove",
         organisation=organisation, payload={"reason": removal.reason})
    open_products = Product.objects.filter(provider=organisation,
                                           state__in=[Product.State.SUBMITTED, Product.State.LISTED])
    for product in open_products:
        product_delist(actor=actor, product=product, reason=f"服务机构被清退：{removal.get_reason_display()}",
                       system=True)
    notify(subject="贵机构已被清退，产品已全部下架", body=f"事由：{removal.get_reason_display()}。已签订的订单可继续履行完毕。",
           organisation=organisation)
    return removal


@transaction.atomic
def removal_objection_upheld(*, removal, actor=None) -> Removal:
    removal = Removal.objects.select_for_update().select_related("profile__organisation").get(pk=removal.pk)
    fire(removal, "objection_upheld", actor=actor, system=True, action="provider_removal.objection_upheld",
         changes={"decision_opinion": "公告期内异议经核实成立，撤销清退"}, organisation=removal.profile.organisation)
    notify(subject="清退公告异议成立，清退已撤销", organisation=removal.profile.organisation)
    return removal
