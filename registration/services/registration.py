"""Registration applications (第九条): create and edit drafts, upload documents, submit. Formal pre-review and the
decisions are in review.py; these two are the only code that writes RegistrationApplication."""
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from hangqifu.accounts.roles import Role
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, InvalidTransition, NotPermitted, RuleViolation
from hangqifu.documents.selectors import documents_for
from hangqifu.documents.services import document_delete, document_store
from hangqifu.notifications.services import notify
from hangqifu.policy.services import policy_for
from hangqifu.workdays.services import add_working_days
from hangqifu.workflows.transitions import fire, transition_check
from sanctions.services import assert_not_banned

from .. import permissions
from ..models import HolderKind, RegistrationApplication, RegistrationDocumentKind
from ..selectors import eligibility
from .common import page_url
from .qualification import assert_may_qualify

State = RegistrationApplication.State
SUBMIT_REQUIRED = {
    HolderKind.ENTERPRISE: ["name", "established_on", "industry", "sector", "employees", "revenue", "total_assets",
                           "district"],
    HolderKind.PARK: ["name", "established_on", "district"],
}
FIELD_LABELS = {f.name: str(f.verbose_name) for f in RegistrationApplication._meta.fields}
ROLE_KIND = {Role.ENTERPRISE: HolderKind.ENTERPRISE, Role.PARK: HolderKind.PARK}


def status_url(registration) -> str:
    return page_url("registration:registration-detail", registration.pk)


def registration_locked(registration) -> RegistrationApplication:
    return RegistrationApplication.objects.select_for_update().select_related("organisation").get(pk=registration.pk)


def _declared_eligibility(registration: RegistrationApplication, *, on: date, policy) -> dict[str, list[str]]:
    """Facts the applicant declared that already rule it out (第六条) → {field: [reason]}."""
    errors: dict[str, list[str]] = {}
    r = registration
    if r.kind != HolderKind.ENTERPRISE:
        return errors
    years = policy.enterprise_min_years
    if r.established_on and not eligibility.operating_years_met(r.established_on, on, years):
        errors["established_on"] = [f"成立未满 {years} 年（{eligibility.anniversary(r.established_on, years)} "
                                    f"起满 {years} 年），暂不符合申报条件"]
    if r.sector and r.sector not in eligibility.ELIGIBLE_SECTORS:
        errors["sector"] = ["服务券仅支持制造业或数字经济领域的中小微企业"]
    if r.industry:
        size = eligibility.classify_size(industry=r.industry, employees=r.employees, revenue=r.revenue,
                                         total_assets=r.total_assets, on=on)
        if size.size_class == "large":
            errors["employees"] = [f"{size.explanation}，大型企业不在支持范围"]
    return errors


def _raise_if_ineligible(registration, *, on, policy):
    errors = _declared_eligibility(registration, on=on, policy=policy)
    if errors:
        raise RuleViolation("不符合申报条件：" + "；".join(e for msgs in errors.values() for e in msgs),
                            code="not_eligible", fields=errors)


def _apply(registration, cleaned: dict) -> list[str]:
    changed = []
    for name, value in cleaned.items():
        if getattr(registration, name) != value:
            setattr(registration, name, value)
            changed.append(name)
    registration.claimed_tier = eligibility.tier_for(registration.honours)
    return changed


def _check_actor_owns(actor, organisation):
    if not (actor.has_role(Role.ENTERPRISE, Role.PARK) and actor.organisation_id):
        raise NotPermitted("只有中小微企业或小微企业园账号可以提交注册认定申请")
    if organisation.kind != ROLE_KIND[actor.role]:
        raise NotPermitted("账号类型与所属组织类型不一致，请联系服务中心")


# --- create / update ----------------------------------------------------------------------------------

@transaction.atomic
def registration_create(*, actor, kind: str | None = None, name: str | None = None, credit_code: str | None = None,
                        district: str | None = None, established_on: date | None = None, industry: str = "",
                        sector: str = "", employees: int | None = None, revenue: Decimal | None = None,
                        total_assets: Decimal | None = None, honours: Sequence[str] = (),
                        independent_legal_person: bool = False, contact_name: str = "",
                        contact_phone: str = "") -> RegistrationApplication:
    """A draft application of the actor's organisation for the business year, from parsed input (the wizard's form,
    the API's serializer). Kind, name, credit code and district default to the account's organisation; what is
    needed only at submission may follow later."""
    organisation = actor.organisation
    _check_actor_owns(actor, organisation)
    kind = kind or ROLE_KIND[actor.role]
    if kind != ROLE_KIND[actor.role]:
        raise InvalidInput("主体类型与账号类型不一致", fields={"kind": [f"本账号只能申报{ROLE_KIND[actor.role].label}"]})
    credit_code = organisation.credit_code if credit_code is None else credit_code
    if credit_code != organisation.credit_code:
        raise NotPermitted("只能为本单位（统一社会信用代码一致）提交申请",
                           fields={"credit_code": ["与本账号所属单位的统一社会信用代码不一致"]})
    year = clock.current_year()
    policy = policy_for(year)
    registration = RegistrationApplication(organisation=organisation, created_by=actor, year=year)
    _apply(registration, {
        "kind": kind, "credit_code": credit_code, "name": organisation.name if name is None else name,
        "district": organisation.district if district is None else district, "established_on": established_on,
        "industry": industry, "sector": sector, "employees": employees, "revenue": revenue,
        "total_assets": total_assets, "honours": list(dict.fromkeys(honours)),
        "independent_legal_person": independent_legal_person, "contact_name": contact_name,
        "contact_phone": contact_phone})
    _raise_if_ineligible(registration, on=clock.today(), policy=policy)
    _refuse_duplicate(registration)
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as exc:
        raise _duplicate_error(registration) from exc
    audit_record(actor=actor, action="registration.create", obj=registration, to_state=registration.state,
                 payload={"year": year, "kind": registration.kind})
    return registration


def _duplicate_error(registration) -> RuleViolation:
    return RuleViolation(f"统一社会信用代码 {registration.credit_code} 已有 {registration.year} 年度的注册认定申请，"
                         "请在原申请中继续办理", code="duplicate_registration",
                         fields={"credit_code": ["本年度已有申请"]})


def _refuse_duplicate(registration):
    exists = (RegistrationApplication.objects.filter(credit_code=registration.credit_code, year=registration.year)
              .exclude(state=State.REJECTED).exclude(pk=registration.pk).exists())
    if exists:
        raise _duplicate_error(registration)


class _Unchanged:
    def __repr__(self):
        return "UNCHANGED"


UNCHANGED = _Unchanged()  # a field the edit leaves as it is


@transaction.atomic
def registration_update(*, actor, registration, name: str | _Unchanged = UNCHANGED,
                        district: str | _Unchanged = UNCHANGED, established_on: date | None | _Unchanged = UNCHANGED,
                        industry: str | _Unchanged = UNCHANGED, sector: str | _Unchanged = UNCHANGED,
                        employees: int | None | _Unchanged = UNCHANGED,
                        revenue: Decimal | None | _Unchanged = UNCHANGED,
                        total_assets: Decimal | None | _Unchanged = UNCHANGED,
                        honours: Sequence[str] | _Unchanged = UNCHANGED,
                        independent_legal_person: bool | _Unchanged = UNCHANGED,
                        contact_name: str | _Unchanged = UNCHANGED, contact_phone: str | _Unchanged = UNCHANGED,
                        wizard_step: int | None = None) -> RegistrationApplication:
    """Edit a draft or returned application from parsed input (the wizard saves each step through here); the kind
    and the credit code of an application never change."""
    registration = registration_locked(registration)
    if not permissions.is_holder_of(actor, registration.organisation_id):
        raise NotPermitted("只能修改本单位的申请")
    if not registration.is_editable:
        raise InvalidTransition("申请已提交，当前不能修改")
    given = {"name": name, "district": district, "established_on": established_on, "industry": industry,
             "sector": sector, "employees": employees, "revenue": revenue, "total_assets": total_assets,
             "honours": honours if honours is UNCHANGED else list(dict.fromkeys(honours)),
             "independent_legal_person": independent_legal_person, "contact_name": contact_name,
             "contact_phone": contact_phone}
    changed = _apply(registration, {field: value for field, value in given.items() if value is not UNCHANGED})
    _raise_if_ineligible(registration, on=clock.today(), policy=policy_for(registration.year))
    if wizard_step is not None and wizard_step > registration.wizard_step:
        registration.wizard_step = wizard_step
        changed.append("wizard_step")
    if changed:
        registration.save()
        audit_record(actor=actor, action="registration.update", obj=registration,
                     payload={"fields": [c for c in changed if c != "wizard_step"]})
    return registration


@transaction.atomic
def registration_document_add(*, actor, registration, kind: str, uploaded_file, honour: str = ""):
    """Upload one document of the application (kinds of 第九条; `honour_evidence` names the honour)."""
    registration = registration_locked(registration)
    if not permissions.is_holder_of(actor, registration.organisation_id):
        raise NotPermitted("只能为本单位的申请上传材料")
    if not registration.is_editable:
        raise InvalidTransition("申请已提交，当前不能上传材料")
    allowed = eligibility.allowed_document_kinds(registration.kind)
    if kind == RegistrationDocumentKind.HONOUR_EVIDENCE:
        if not honour and len(registration.honours) == 1:
            honour = registration.honours[0]
        if honour not in registration.honours:
            raise InvalidInput("请选择该证明材料对应的已申报荣誉称号",
                               fields={"honour": ["请选择已申报的荣誉称号"]})
    document = document_store(owner=registration, kind=kind, uploaded_file=uploaded_file, actor=actor,
                              allowed_kinds=allowed)
    if kind == RegistrationDocumentKind.HONOUR_EVIDENCE:
        evidence = dict(registration.honour_evidence)
        evidence[honour] = [*evidence.get(honour, []), document.pk]
        registration.honour_evidence = evidence
        registration.save(update_fields=["honour_evidence", "updated_at"])
    return document


@transaction.atomic
def registration_document_remove(*, actor, registration, document_id: int) -> None:
    registration = registration_locked(registration)
    if not permissions.is_holder_of(actor, registration.organisation_id):
        raise NotPermitted("只能删除本单位申请的材料")
    if not registration.is_editable:
        raise InvalidTransition("申请已提交，当前不能删除材料")
    document = documents_for(registration).filter(pk=document_id).first()
    if document is None:
        raise InvalidInput("材料不存在", fields={"document": ["材料不存在"]})
    document_delete(document=document, actor=actor)
    registration.honour_evidence = {h: [d for d in ids if d != document_id]
                                    for h, ids in registration.honour_evidence.items()}
    registration.save(update_fields=["honour_evidence", "updated_at"])


# --- transitions --------------------------------------------------------------------------------------

@transaction.atomic
def registration_submit(*, actor, registration) -> RegistrationApplication:
    """The owner submits: all data and documents present, the declared facts eligible; the platform
    classifies the size and computes the pre-review checklist for the reviewer."""
    registration = registration_locked(registration)
    transition_check(registration, "submit", actor=actor, denied="只能提交本单位的申请",
                     wrong_state="申请当前状态不能提交")
    missing = [f for f in SUBMIT_REQUIRED[registration.kind] if getattr(registration, f) in (None, "")]
    if missing:
        raise InvalidInput("请先填写：" + "、".join(FIELD_LABELS[f] for f in missing),
                           fields={f: ["必填"] for f in missing})
    if registration.kind == HolderKind.ENTERPRISE and not registration.independent_legal_person:
        raise InvalidInput("请确认本企业具有独立法人资格", fields={"independent_legal_person": ["必须确认"]})
    assert_not_banned(registration.organisation, entry_point="registration")
    assert_may_qualify(registration=registration, submitting=True)
    today = clock.today()
    policy = policy_for(registration.year)
    _raise_if_ineligible(registration, on=today, policy=policy)
    missing_docs = eligibility.missing_documents(registration)
    if missing_docs:
        raise InvalidInput("请先上传：" + "、".join(missing_docs), code="invalid_document",
                           fields={"documents": missing_docs})
    size_class = registration.size_class
    if registration.kind == HolderKind.ENTERPRISE:
        size_class = eligibility.classify_size(
            industry=registration.industry, employees=registration.employees, revenue=registration.revenue,
            total_assets=registration.total_assets, on=today).size_class or ""
    checklist = [i.as_dict() for i in eligibility.compute_checklist(registration, on=today, policy=policy)]
    fire(registration, "submit", actor=actor, action="registration.submit", payload={"size_class": size_class},
         changes={"submitted_at": clock.now(), "review_due_on": add_working_days(today, policy.review_working_days),
                  "size_class": size_class, "checklist_overrides": {}, "checklist": checklist})
    url = status_url(registration)
    notify(subject=f"注册认定申请已提交：{registration.name}", url=url, organisation=registration.organisation,
           body=f"您的{registration.matter}申请已提交，等待市工信服务中心形式预审。")
    notify(subject=f"新的注册认定申请待预审：{registration.name}", url=page_url(
        "admin:registration_registrationapplication_change", registration.pk), roles=[Role.SERVICE_CENTER])
    return registration
