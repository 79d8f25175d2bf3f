"""Annual re-review (复审, 第九条): open next year's re-review for every active holder on the policy's
date, and let staff approve re-reviews in bulk."""
from dataclasses import dataclass, field

from django.db import transaction

from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import DomainError, NotFound, NotPermitted
from hangqifu.notifications.services import notify
from hangqifu.policy.services import policy_for, year_in_force

from .. import permissions
from ..models import Qualification, RegistrationApplication
from .common import page_url
from .qualification import confirmable_honours
from .review import registration_approve, registration_pre_review

State = RegistrationApplication.State
COPIED_FIELDS = ["kind", "name", "credit_code", "established_on", "industry", "sector", "employees", "revenue",
                 "total_assets", "district", "honours", "independent_legal_person", "contact_name", "contact_phone",
                 "claimed_tier"]


def rereview_open(*, today=None) -> dict:
    """On or after this year's `rereview_opens_on`, create a draft re-review application for next year for
    every active qualification holder of this year that has none. Idempotent."""

    today = today or clock.today()
    year = today.year
    try:
        opens_on = policy_for(year).rereview_opens_on
    except NotFound:
        return {"opened": 0, "note": f"{year} 年度政策参数未设置"}
    if opens_on is None or today < opens_on:
        return {"opened": 0, "note": f"复审开启日期：{opens_on or '未设置'}"}

    if not year_in_force(year + 1):  # 第二十二条: no qualification for a year after the policy ends
        return {"opened": 0, "note": f"{year + 1} 年度不在《管理办法》有效期内，不开启复审"}
    already = RegistrationApplication.objects.filter(year=year + 1).exclude(state=State.REJECTED)
    holders = (Qualification.objects.filter(year=year, state=Qualification.State.ACTIVE)
               .exclude(organisation__registrations__in=already)
               .select_related("organisation", "registration"))
    opened = 0
    for qualification in holders:
        if _open_one(qualification, next_year=year + 1):
            opened += 1
    return {"opened": opened}


@transaction.atomic
def _open_one(qualification: Qualification, *, next_year: int) -> RegistrationApplication | None:
    organisation = qualification.organisation
    source = qualification.registration
    if RegistrationApplication.objects.select_for_update().filter(
            organisation=organisation, year=next_year).exclude(state=State.REJECTED).exists():
        return None
    values = {name: getattr(source, name) for name in COPIED_FIELDS} if source else {
        "kind": qualification.kind, "name": organisation.name, "credit_code": organisation.credit_code,
        "district": organisation.district}
    values["honours"] = list(qualification.honours) if source is None else values["honours"]
    registration = RegistrationApplication.objects.create(
        organisation=organisation, year=next_year, purpose=RegistrationApplication.Purpose.REREVIEW,
        previous_qualification=qualification, **values)
    audit_record(actor=None, action="registration.rereview_open", obj=registration, to_state=registration.state,
                 organisation=organisation, payload={"previous_qualification": qualification.pk})
    notify(subject=f"{next_year} 年度服务券资格复审已开启", organisation=organisation,
           url=page_url("registration:registration-detail", registration.pk),
           body="请核对或更新企业信息，上传本年度证明材料后提交复审。")
    return registration


@dataclass
class BulkResult:
    approved: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)


def rereview_bulk_approve(*, actor, queryset) -> BulkResult:
    """Approve every submitted or pre-reviewed re-review in `queryset` (all filtered rows, not a page):
    each passes pre-review and is approved with the claimed honours that can be confirmed. Rows whose
    checklist fails are skipped with the reason; each row commits on its own."""
    if not permissions.is_reviewer(actor):
        raise NotPermitted("只有市工信服务中心可以批量通过复审")
    ids = list(queryset.filter(purpose=RegistrationApplication.Purpose.REREVIEW, state__in=[
        State.SUBMITTED, State.PRE_REVIEWED]).order_by("pk").values_list("pk", flat=True))
    result = BulkResult()
    for pk in ids:
        try:
            with transaction.atomic():
                registration = RegistrationApplication.objects.get(pk=pk)
                if registration.state == State.SUBMITTED:
                    registration = registration_pre_review(actor=actor, registration=registration, passed=True,
                                                           opinion="年度复审批量预审通过")
                honours = list(registration.honours)
                dropped = confirmable_honours(registration=registration, honours=honours)
                if dropped:
                    honours = [h for h in honours if h != "new_above_scale"]
                registration_approve(actor=actor, registration=registration, confirmed_honours=honours,
                                     opinion="年度复审批量通过" + ("；" + "；".join(dropped) if dropped else ""))
            result.approved.append(pk)
        except DomainError as exc:
            result.skipped[pk] = exc.detail
    audit_record(actor=actor, action="registration.rereview_bulk_approve",
                 payload={"approved": result.approved, "skipped": {str(k): v for k, v in result.skipped.items()}})
    return result
