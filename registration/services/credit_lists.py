"""第六条: a party on the severe-dishonesty or the judgment-defaulter list is outside the programme.

Importing a list (imports.py) and the daily job suspend what the lists in force hit: every active
qualification of the current or a later year (its vouchers freeze, see qualification.py) and the provider's
admission (no orders, no payment). Only a documented delisting — 信用修复, recorded by the service center
with the evidence document — lifts those suspensions, and only once no other entry still names the party.
Every moment that moves eligibility or money asks `eligibility.is_listed` for that day as well, so a
party listed after it was approved is refused even where no suspension was recorded."""
from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef

from hangqifu.accounts.models import Organisation
from hangqifu.accounts.roles import Role
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, NotFound, NotPermitted
from hangqifu.documents.services import document_store
from hangqifu.notifications.services import notify
from providers.models import ProviderProfile
from providers.services.suspension import admission_lift, admission_suspend

from .. import permissions
from ..models import CreditDelisting, CreditListEntry, Qualification, SuspensionCause
from ..selectors import eligibility
from . import qualification as qualification_services

EVIDENCE_KIND = "credit_repair_evidence"


def _listed_organisations(on: date):
    return Organisation.objects.filter(Exists(eligibility.listed_entries(on).filter(
        credit_code=OuterRef("credit_code"))))


@transaction.atomic
def listed_parties_suspend(*, actor=None, on: date | None = None) -> dict:
    """Suspend the active qualifications (this year and later) and the provider admissions of every party
    listed on `on`. Idempotent: what is already suspended is left alone."""
    on = on or clock.today()
    listed = _listed_organisations(on)
    qualifications = list(Qualification.objects.filter(
        organisation__in=listed, state=Qualification.State.ACTIVE, year__gte=on.year)
        .select_related("organisation").order_by("pk"))
    for qualification in qualifications:
        hits = eligibility.credit_list_hits(qualification.organisation.credit_code, on)
        qualification_services.suspend(actor=actor, qualification=qualification, cause=SuspensionCause.CREDIT_LIST,
                                       reason=eligibility.describe_hits(hits) + "（第六条）")
    providers = list(ProviderProfile.objects.filter(organisation__in=listed, state=ProviderProfile.State.ADMITTED)
                     .select_related("organisation").order_by("pk"))
    for profile in providers:
        hits = eligibility.credit_list_hits(profile.organisation.credit_code, on)
        admission_suspend(actor=actor, organisation_id=profile.organisation_id,
                          reason=eligibility.describe_hits(hits) + "（第六、十四条）")
    result = {"suspended_qualifications": len(qualifications), "suspended_providers": len(providers)}
    if qualifications or providers:
        audit_record(actor=actor, action="reference.credit_list_suspend", payload={
            **result, "on": on, "qualifications": [q.pk for q in qualifications],
            "providers": [p.organisation_id for p in providers]})
        names = "、".join([q.organisation.name for q in qualifications][:10] + [p.organisation.name for p in providers][:10])
        notify(subject=f"失信名单命中：暂停 {len(qualifications)} 个年度资格、{len(providers)} 家服务机构入驻",
               roles=[Role.SERVICE_CENTER, Role.BUREAU], body=f"{names}。信用修复后请在“失信名单”中登记移出。",
               url="/admin/registration/creditlistentry/")
    return result


def _parse_day(value, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", fields={field: ["日期格式应为 YYYY-MM-DD"]}) from None


@transaction.atomic
def credit_delisting_record(*, actor, entry_id, reason: str, evidence, removed_on=None) -> CreditDelisting:
    """信用修复: the entry ends on `removed_on` (default today, never in the future), with the evidence
    stored; suspensions the lists caused are lifted once the party is listed nowhere else."""
    if not permissions.is_reviewer(actor):
        raise NotPermitted("只有市工信服务中心可以登记信用修复")
    entry = CreditListEntry.objects.select_for_update().filter(pk=entry_id).first() \
        if str(entry_id).isdigit() else None
    if entry is None:
        raise NotFound("名单条目不存在")
    today = clock.today()
    removed_on = today if removed_on in (None, "") else _parse_day(removed_on, "removed_on")
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = ["请说明信用修复情况（决定文书、移出名单的依据）"]
    if evidence is None:
        errors["evidence"] = ["请上传信用修复证明材料"]
    if removed_on > today:
        errors["removed_on"] = ["移出日期不能晚于今天"]
    elif removed_on <= entry.listed_on:
        errors["removed_on"] = [f"移出日期须晚于列入日期 {entry.listed_on}"]
    if errors:
        raise InvalidInput("信用修复登记有误，请按提示修改", fields=errors)
    delisting = CreditDelisting.objects.create(entry=entry, removed_on=removed_on, reason=reason.strip(),
                                               recorded_by=actor, recorded_at=clock.now())
    document_store(owner=delisting, kind=EVIDENCE_KIND, uploaded_file=evidence, actor=actor,
                   allowed_kinds=[EVIDENCE_KIND])
    before = entry.removed_on
    entry.removed_on = removed_on
    entry.save(update_fields=["removed_on"])
    lifted = _lift_if_clear(actor=actor, credit_code=entry.credit_code, on=today, admission_lift=admission_lift)
    audit_record(actor=actor, action="reference.credit_delisting", obj=entry, payload={
        "delisting": delisting.pk, "credit_code": entry.credit_code, "list_kind": entry.list_kind,
        "listed_on": entry.listed_on, "removed_on_before": before, "removed_on": removed_on,
        "reason": delisting.reason, **lifted})
    return delisting


def _lift_if_clear(*, actor, credit_code: str, on: date, admission_lift) -> dict:
    if eligibility.is_listed(credit_code, on):
        return {"reinstated_qualifications": [], "lifted_provider": None}
    reinstated = []
    for qualification in Qualification.objects.filter(
            organisation__credit_code=credit_code, state=Qualification.State.SUSPENDED,
            suspension_cause=SuspensionCause.CREDIT_LIST).order_by("pk"):
        qualification_services.reinstate(actor=actor, qualification=qualification, by_rule=True,
                                         reason="信用修复，已移出失信名单")
        reinstated.append(qualification.pk)
    organisation_id = Organisation.objects.filter(credit_code=credit_code).values_list("pk", flat=True).first()
    lifted = organisation_id and admission_lift(actor=actor, organisation_id=organisation_id,
                                                reason="信用修复，已移出失信名单")
    return {"reinstated_qualifications": reinstated, "lifted_provider": organisation_id if lifted else None}


def delisted_keys() -> set[tuple[str, str, date]]:
    """(list kind, credit code, listed on) of the entries a delisting ended: a re-import keeps their end."""
    return set(CreditListEntry.objects.filter(delistings__isnull=False).values_list(
        "list_kind", "credit_code", "listed_on").distinct())
