"""Review of registration applications (第九条): the service center's formal pre-review, return for correction,
rejection and approval (which grants the year's qualification)."""
from django.db import transaction

from hangqifu.core import clock
from hangqifu.core.choices import Honour
from hangqifu.core.errors import InvalidInput, RuleViolation
from hangqifu.notifications.services import notify
from hangqifu.policy.services import policy_for
from hangqifu.workflows.transitions import fire, transition_check
from sanctions.services import assert_not_banned

from ..models import RegistrationApplication
from ..selectors import eligibility
from .qualification import assert_may_qualify, qualification_grant
from .registration import registration_locked, status_url


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
    registration = registration_locked(registration)
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
    notify(subject=f"注册认定申请已通过形式预审：{registration.name}", url=status_url(registration),
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
           url=status_url(registration), organisation=registration.organisation)
    return registration


@transaction.atomic
def registration_return(*, actor, registration, opinion: str) -> RegistrationApplication:
    return _return(actor=actor, registration=registration_locked(registration), opinion=opinion)


@transaction.atomic
def registration_reject(*, actor, registration, opinion: str) -> RegistrationApplication:
    registration = registration_locked(registration)
    transition_check(registration, "reject", actor=actor, denied="只有市工信服务中心可以作出不予通过的决定",
                     wrong_state="当前状态的申请不能驳回")
    opinion = _opinion_required(opinion)
    fire(registration, "reject", actor=actor, action="registration.reject",
         changes={"decision_opinion": opinion, "decided_at": clock.now()}, payload={"opinion": opinion})
    notify(subject=f"注册认定申请未通过：{registration.name}", body=f"审核意见：{opinion}",
           url=status_url(registration), organisation=registration.organisation)
    return registration


@transaction.atomic
def registration_approve(*, actor, registration, confirmed_honours: list | None = None, opinion: str = ""):
    """The service center confirms eligibility: the year's qualification is created with the tier of the
    confirmed honours and the quota of the year's policy (第八条), and the holder is notified."""
    registration = registration_locked(registration)
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
