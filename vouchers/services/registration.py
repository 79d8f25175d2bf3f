"""Registration applications (第九条): create and edit drafts, upload documents, submit, formal
pre-review, return, reject and approve. The only code that writes RegistrationApplication."""
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from hangqifu.accounts.roles import Role
from hangqifu.accounts.validators import is_valid_credit_code
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.choices import District, Honour, Industry, Sector
from hangqifu.core.errors import InvalidInput, InvalidTransition, NotPermitted, RuleViolation
from hangqifu.core.money import yuan
from hangqifu.documents.selectors import documents_for
from hangqifu.documents.services import document_delete, document_store
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire, transition_check
from hangqifu.policy.services import policy_for
from hangqifu.workdays.services import add_working_days
from sanctions.services import assert_not_banned

from .. import permissions
from ..models import HolderKind, RegistrationApplication, RegistrationDocumentKind
from ..selectors import eligibility
from .common import page_url
from .qualification import assert_may_qualify, qualification_grant

State = RegistrationApplication.State
EDITABLE_FIELDS = ["kind", "name", "credit_code", "established_on", "industry", "sector", "employees", "revenue",
                   "total_assets", "district", "honours", "independent_legal_person", "contact_name",
                   "contact_phone"]
SUBMIT_REQUIRED = {
    HolderKind.ENTERPRISE: ["name", "established_on", "industry", "sector", "employees", "revenue", "total_assets",
                           "district"],
    HolderKind.PARK: ["name", "established_on", "district"],
}
FIELD_LABELS = {f.name: str(f.verbose_name) for f in RegistrationApplication._meta.fields}
ROLE_KIND = {Role.ENTERPRISE: HolderKind.ENTERPRISE, Role.PARK: HolderKind.PARK}


def _status_url(registration) -> str:
    return page_url("vouchers:registration-detail", registration.pk)


def _lock(registration) -> RegistrationApplication:
    return RegistrationApplication.objects.select_for_update().select_related("organisation").get(pk=registration.pk)


# --- input --------------------------------------------------------------------------------------------

def _clean(data: dict, *, kind: str) -> dict:
    """Type and range checks of the application data → cleaned values; InvalidInput (400) with fields."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    today = clock.today()
    for name, value in data.items():
        if name not in EDITABLE_FIELDS:
            continue
        try:
            cleaned[name] = _clean_field(name, value, kind=kind, today=today)
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise InvalidInput("申请信息有误，请按提示修改", fields=errors)
    return cleaned


def _clean_field(name, value, *, kind, today):
    if name in ("name", "contact_name", "contact_phone"):
        value = (value or "").strip()
        if name == "name" and not value:
            raise ValueError("请填写名称")
        return value
    if name == "kind":
        if value not in HolderKind.values:
            raise ValueError("主体类型只能是 enterprise（中小微企业）或 park（小微企业园）")
        return value
    if name == "credit_code":
        value = (value or "").strip().upper()
        if not is_valid_credit_code(value):
            raise ValueError("统一社会信用代码无效：应为18位且校验位正确")
        return value
    if name == "established_on":
        if value in (None, ""):
            return None
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError as exc:
                raise ValueError("成立日期格式应为 YYYY-MM-DD") from exc
        if value > today:
            raise ValueError("成立日期不能晚于今天")
        return value
    if name in ("industry", "sector", "district"):
        choices = {"industry": Industry, "sector": Sector, "district": District}[name]
        if value in (None, ""):
            return ""
        if value not in choices.values:
            raise ValueError(f"“{value}”不是有效的{FIELD_LABELS[name]}")
        return value
    if name == "employees":
        if value in (None, ""):
            return None
        try:
            value = int(value)
        except (TypeError, ValueError) as exc:
            raise ValueError("从业人员应为整数") from exc
        if value < 0:
            raise ValueError("从业人员不能为负数")
        return value
    if name in ("revenue", "total_assets"):
        if value in (None, ""):
            return None
        amount = yuan(value)
        if amount < 0:
            raise ValueError("金额不能为负数")
        if amount >= Decimal("1e12"):
            raise ValueError("金额超出范围")
        return amount
    if name == "honours":
        value = list(value or [])
        allowed = eligibility.HONOURS_FOR_KIND.get(kind, [])
        wrong = [h for h in value if h not in allowed]
        if wrong:
            names = "、".join(Honour(h).label if h in Honour.values else str(h) for h in wrong)
            raise ValueError(f"{HolderKind(kind).label}不能申报：{names}")
        return list(dict.fromkeys(value))
    if name == "independent_legal_person":
        return bool(value)
    return value


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
def registration_create(*, actor, data: dict, partial: bool = False) -> RegistrationApplication:
    """A draft application of the actor's organisation for the business year. `partial` (the wizard's
    first step) allows the data needed only at submission to follow later."""

    organisation = actor.organisation
    _check_actor_owns(actor, organisation)
    kind = data.get("kind") or ROLE_KIND[actor.role]
    data = {"kind": kind, "credit_code": organisation.credit_code, "name": organisation.name,
            "district": organisation.district, **{k: v for k, v in data.items() if v is not None or not partial}}
    cleaned = _clean(data, kind=kind)
    if cleaned["kind"] != ROLE_KIND[actor.role]:
        raise InvalidInput("主体类型与账号类型不一致", fields={"kind": [f"本账号只能申报{ROLE_KIND[actor.role].label}"]})
    if cleaned["credit_code"] != organisation.credit_code:
        raise NotPermitted("只能为本单位（统一社会信用代码一致）提交申请",
                           fields={"credit_code": ["与本账号所属单位的统一社会信用代码不一致"]})
    year = clock.current_year()
    policy = policy_for(year)
    registration = RegistrationApplication(organisation=organisation, created_by=actor, year=year)
    _apply(registration, cleaned)
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


@transaction.atomic
def registration_update(*, actor, registration, data: dict, wizard_step: int | None = None) -> RegistrationApplication:
    """Edit a draft or returned application (the wizard saves each step through here)."""

    registration = _lock(registration)
    if not permissions.is_holder_of(actor, registration.organisation_id):
        raise NotPermitted("只能修改本单位的申请")
    if not registration.is_editable:
        raise InvalidTransition("申请已提交，当前不能修改")
    data = {k: v for k, v in data.items() if k not in ("kind", "credit_code")}
    cleaned = _clean(data, kind=registration.kind)
    changed = _apply(registration, cleaned)
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

    registration = _lock(registration)
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
    registration = _lock(registration)
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
    registration = _lock(registration)
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
    url = _status_url(registration)
    notify(subject=f"注册认定申请已提交：{registration.name}", url=url, organisation=registration.organisation,
           body=f"您的{registration.matter}申请已提交，等待市工信服务中心形式预审。")
    notify(subject=f"新的注册认定申请待预审：{registration.name}", url=page_url(
        "admin:vouchers_registrationapplication_change", registration.pk), roles=[Role.SERVICE_CENTER])
    return registration


def _clean_overrides(overrides, kind) -> dict:
    if not overrides:
        return {}
    if not isinstance(overrides, dict):
        raise InvalidInput("人工调整格式应为 {项目: {passed, reason}}", fields={"overrides": ["格式错误"]})
    keys = eligibility.check_keys(kind)
    errors, cleaned = {}, {}
    for key, value in overrides.items():
        if key not in keys:
            errors[key] = [f"没有名为“{key}”的预审项目"]
            continue
        if key in eligibility.NOT_OVERRIDABLE:
            errors[key] = ["失信名单核查结果不能人工调整：列入名单的主体须信用修复并登记移出名单"]
            continue
        if isinstance(value, str):
            value = {"passed": True, "reason": value}
        if not isinstance(value, dict) or not str(value.get("reason", "")).strip():
            errors[key] = ["人工调整必须填写理由"]
            continue
        cleaned[key] = {"passed": bool(value.get("passed", True)), "reason": str(value["reason"]).strip()}
    if errors:
        raise InvalidInput("人工调整有误", fields={"overrides": errors})
    return cleaned


@transaction.atomic
def registration_pre_review(*, actor, registration, passed: bool, opinion: str = "",
                            overrides: dict | None = None) -> RegistrationApplication:
    """Formal pre-review by the service center. Passing needs every checklist item to pass (computed or
    overridden with a reason); not passing returns the application to the applicant with the opinion."""

    registration = _lock(registration)
    if not passed:
        return _return(actor=actor, registration=registration, opinion=opinion, action="registration.pre_review")
    transition_check(registration, "pre_review", actor=actor, denied="只有市工信服务中心可以进行形式预审",
                     wrong_state="只有已提交待预审的申请可以预审")
    overrides = _clean_overrides(overrides, registration.kind)
    items = eligibility.compute_checklist(registration, policy=policy_for(registration.year), overrides=overrides)
    failing = [i for i in items if not i.passed]
    if failing:
        raise RuleViolation("形式预审未通过的项目：" + "；".join(f"{i.label}（{i.explanation}）" for i in failing),
                            code="not_eligible", fields={i.key: [i.explanation] for i in failing})
    opinion = (opinion or "").strip()
    fire(registration, "pre_review", actor=actor, action="registration.pre_review",
         changes={"checklist_overrides": overrides, "checklist": [i.as_dict() for i in items],
                  "pre_review_opinion": opinion, "pre_reviewed_at": clock.now()},
         payload={"passed": True, "opinion": opinion, "overrides": overrides})
    notify(subject=f"注册认定申请已通过形式预审：{registration.name}", url=_status_url(registration),
           organisation=registration.organisation, body="等待市工信服务中心确认资格并核定年度额度。")
    return registration


def _opinion_required(opinion) -> str:
    opinion = (opinion or "").strip()
    if not opinion:
        raise InvalidInput("请填写审核意见", fields={"opinion": ["请填写审核意见"]})
    return opinion


def _return(*, actor, registration, opinion, action="registration.return"):
    transition_check(registration, "return_for_correction", actor=actor, denied="只有市工信服务中心可以退回申请",
                     wrong_state="当前状态的申请不能退回")
    opinion = _opinion_required(opinion)
    fire(registration, "return_for_correction", actor=actor, action=action,
         changes={"decision_opinion": opinion, "decided_at": clock.now()},
         payload={"passed": False, "opinion": opinion})
    notify(subject=f"注册认定申请被退回修改：{registration.name}", body=f"审核意见：{opinion}",
           url=_status_url(registration), organisation=registration.organisation)
    return registration


@transaction.atomic
def registration_return(*, actor, registration, opinion: str) -> RegistrationApplication:
    return _return(actor=actor, registration=_lock(registration), opinion=opinion)


@transaction.atomic
def registration_reject(*, actor, registration, opinion: str) -> RegistrationApplication:
    registration = _lock(registration)
    transition_check(registration, "reject", actor=actor, denied="只有市工信服务中心可以作出不予通过的决定",
                     wrong_state="当前状态的申请不能驳回")
    opinion = _opinion_required(opinion)
    fire(registration, "reject", actor=actor, action="registration.reject",
         changes={"decision_opinion": opinion, "decided_at": clock.now()}, payload={"opinion": opinion})
    notify(subject=f"注册认定申请未通过：{registration.name}", body=f"审核意见：{opinion}",
           url=_status_url(registration), organisation=registration.organisation)
    return registration


@transaction.atomic
def registration_approve(*, actor, registration, confirmed_honours: list | None = None, opinion: str = ""):
    """The service center confirms eligibility: the year's qualification is created with the tier of the
    confirmed honours and the quota of the year's policy (第八条), and the holder is notified."""

    registration = _lock(registration)
    transition_check(registration, "approve", actor=actor, denied="只有市工信服务中心可以认定资格",
                     wrong_state="只有通过形式预审的申请可以认定")
    assert_not_banned(registration.organisation, entry_point="registration")
    assert_may_qualify(registration=registration)
    honours = list(registration.honours) if confirmed_honours is None else list(dict.fromkeys(confirmed_honours))
    unclaimed = [h for h in honours if h not in registration.honours]
    if unclaimed:
        raise InvalidInput("只能确认申请人申报的荣誉称号", fields={"confirmed_honours": [
            f"未申报：{Honour(h).label if h in Honour.values else h}" for h in unclaimed]})
    fire(registration, "approve", actor=actor, action="registration.approve",
         changes={"confirmed_honours": honours, "decision_opinion": (opinion or "").strip(),
                  "decided_at": clock.now()},
         payload={"confirmed_honours": honours, "opinion": opinion})
    qualification = qualification_grant(actor=actor, registration=registration, honours=honours)
    return registration, qualification
