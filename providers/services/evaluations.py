"""Annual evaluation of admitted providers (第十六条): the service center enters the year's figures, the rule in
providers.evaluation grades them, the result is published, and a failing grade opens removal (第十七条)."""
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, NotPermitted, RuleViolation
from hangqifu.notifications.services import notify
from hangqifu.policy.services import policy_for
from hangqifu.workflows.transitions import fire, transition_check

from ..evaluation import EvaluationFigures, grade
from ..models import AnnualEvaluation, ProviderProfile, Removal, RemovalReason
from ..performance import collect_stats
from .removals import removal_propose

ENTERED_FIELDS = ["benefit_score", "benefit_note", "spot_checks", "spot_checks_passed", "complaints_upheld",
                  "audit_conclusion", "audit_institution", "audit_note"]
Conclusion = AnnualEvaluation.AuditConclusion


def assert_year_ended(year: int, today: date) -> None:
    """A year is evaluated once it is over: from 1 January of the next year."""
    if today < date(year + 1, 1, 1):
        raise RuleViolation(f"{year} 年度尚未结束，{year + 1}-01-01 起方可进行年度评价", code="year_not_ended",
                            fields={"year": [f"{year} 年度尚未结束，{year + 1}-01-01 起方可评价"]})


def _clean(data: dict) -> dict:
    errors, clean = {}, {}
    try:
        benefit = Decimal(str(data.get("benefit_score")))
        if not benefit.is_finite() or not 0 <= benefit <= 100 or benefit != round(benefit, 2):
            raise ValueError
        clean["benefit_score"] = benefit
    except (InvalidOperation, TypeError, ValueError):
        errors["benefit_score"] = ["服务效益评价得分须在 0–100 之间（最多两位小数）"]
    for field in ("spot_checks", "spot_checks_passed", "complaints_upheld"):
        value = data.get(field, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors[field] = ["请填写不小于 0 的整数"]
        else:
            clean[field] = value
    if clean.get("spot_checks_passed", 0) > clean.get("spot_checks", 0):
        errors["spot_checks_passed"] = ["抽查合格次数不能多于抽查次数"]
    conclusion = data.get("audit_conclusion") or Conclusion.NOT_AUDITED
    if conclusion not in Conclusion.values:
        errors["audit_conclusion"] = ["请选择第三方审计核查结论"]
    clean["audit_conclusion"] = conclusion
    for field in ("benefit_note", "audit_institution", "audit_note"):
        clean[field] = str(data.get(field) or "").strip()
    if not clean["benefit_note"]:
        errors["benefit_note"] = ["请写明服务效益评价的依据"]
    if conclusion != Conclusion.NOT_AUDITED and not (clean["audit_institution"] and clean["audit_note"]):
        errors["audit_note"] = ["开展了第三方审计核查的，请填写审计机构和核查记录"]
    if errors:
        raise InvalidInput("评价信息有误", fields=errors)
    clean["audit_institution"] = clean["audit_institution"][:200]
    return clean


def _grade(evaluation: AnnualEvaluation) -> None:
    """Read the year's ratings from the orders and apply the rule (at entry and again at publication)."""
    stats = (collect_stats(year=evaluation.year, organisation_ids=[evaluation.profile.organisation_id]) or {}).get(
        evaluation.profile.organisation_id)
    if stats is not None:
        evaluation.rated_count = stats.rated_count
        evaluation.satisfied_count = stats.satisfied_count
        evaluation.dissatisfied_count = stats.dissatisfied_count
    policy = policy_for(evaluation.year)
    result = grade(EvaluationFigures(
        rated=evaluation.rated_count, satisfied=evaluation.satisfied_count,
        dissatisfied=evaluation.dissatisfied_count, benefit_score=evaluation.benefit_score,
        spot_checks=evaluation.spot_checks, spot_checks_passed=evaluation.spot_checks_passed,
        complaints_upheld=evaluation.complaints_upheld, audit_serious=evaluation.audit_conclusion == Conclusion.SERIOUS),
        dissatisfaction_threshold=policy.dissatisfaction_threshold, min_ratings=policy.dissatisfaction_min_ratings)
    evaluation.components = {k: str(v) for k, v in result.components.items()}
    evaluation.score, evaluation.grade, evaluation.vetoes = result.score, result.grade, result.vetoes


GRADED_FIELDS = ["rated_count", "satisfied_count", "dissatisfied_count", "components", "score", "grade", "vetoes"]


@transaction.atomic
def evaluation_record(*, actor, profile, year: int, benefit_score: Decimal, benefit_note: str, spot_checks: int = 0,
                      spot_checks_passed: int = 0, complaints_upheld: int = 0,
                      audit_conclusion: str = Conclusion.NOT_AUDITED, audit_institution: str = "",
                      audit_note: str = "") -> AnnualEvaluation:
    """The service center enters (or corrects, while unpublished) a provider's evaluation for a finished year."""
    if not actor.has_role(Role.SERVICE_CENTER):
        raise NotPermitted("只有市工信服务中心可以录入年度评价")
    assert_year_ended(year, clock.today())
    profile = ProviderProfile.objects.select_for_update().select_related("organisation").get(pk=profile.pk)
    if profile.state == ProviderProfile.State.REMOVED:
        raise RuleViolation("该服务机构已被清退，不再评价", code="not_admitted")
    fields = _clean({"benefit_score": benefit_score, "benefit_note": benefit_note, "spot_checks": spot_checks,
                     "spot_checks_passed": spot_checks_passed, "complaints_upheld": complaints_upheld,
                     "audit_conclusion": audit_conclusion, "audit_institution": audit_institution,
                     "audit_note": audit_note})
    evaluation = AnnualEvaluation.objects.select_for_update().filter(profile=profile, year=year).first()
    if evaluation is not None and evaluation.state != AnnualEvaluation.State.DRAFT:
        raise RuleViolation("该年度评价已公布，不能修改", code="evaluation_published")
    if evaluation is None:
        evaluation = AnnualEvaluation(profile=profile, year=year)
    for field, value in fields.items():
        setattr(evaluation, field, value)
    evaluation.recorded_by, evaluation.recorded_at = actor, clock.now()
    _grade(evaluation)
    try:
        with transaction.atomic():
            evaluation.save()
    except IntegrityError as exc:
        raise RuleViolation("该机构该年度的评价已在录入", code="evaluation_exists") from exc
    audit_record(actor=actor, action="provider_evaluation.record", obj=evaluation, to_state=evaluation.state,
                 organisation=profile.organisation,
                 payload={"year": year, **{f: fields[f] for f in ENTERED_FIELDS}, "score": evaluation.score,
                          "grade": evaluation.grade})
    return evaluation


def _open_removal(*, actor, evaluation) -> Removal:
    """A failing grade opens 第十七条 removal; an earlier proposal still in progress is the one it joins."""
    reason = RemovalReason.REDEMPTION_MISMATCH if evaluation.audit_conclusion == Conclusion.SERIOUS \
        else RemovalReason.DISSATISFACTION
    details = (f"{evaluation.year} 年度服务绩效评价综合得分 {evaluation.score} 分，评价等级不合格"
               + (f"：{'；'.join(evaluation.vetoes)}" if evaluation.vetoes else "") + "。")
    evidence = {"year": evaluation.year, "evaluation": evaluation.pk, "score": str(evaluation.score),
                "components": evaluation.components, "vetoes": evaluation.vetoes}
    try:
        with transaction.atomic():
            return removal_propose(actor=actor, profile=evaluation.profile, reason=reason, details=details,
                                   evidence=evidence)
    except RuleViolation as exc:
        if exc.code != "removal_in_progress":
            raise
    return Removal.objects.get(profile=evaluation.profile, state__in=[
        Removal.State.PROPOSED, Removal.State.CONFIRMED, Removal.State.ANNOUNCED])


@transaction.atomic
def evaluation_publish(*, actor, evaluation) -> AnnualEvaluation:
    """Publish the result (graded again on the day with the year's ratings as they stand); a failing grade
    opens removal in the same transaction."""
    evaluation = AnnualEvaluation.objects.select_for_update().select_related("profile__organisation").get(
        pk=evaluation.pk)
    transition_check(evaluation, "publish", actor=actor)
    _grade(evaluation)
    changes = {"published_by": actor}
    if evaluation.grade == AnnualEvaluation.Grade.FAIL:
        changes["removal"] = _open_removal(actor=actor, evaluation=evaluation)
    removal_id = changes["removal"].pk if "removal" in changes else evaluation.removal_id
    fire(evaluation, "publish", actor=actor, action="provider_evaluation.publish", fields=GRADED_FIELDS,
         changes=changes, organisation=evaluation.profile.organisation,
         payload={"year": evaluation.year, "score": evaluation.score, "grade": evaluation.grade,
                  "vetoes": evaluation.vetoes, "removal": removal_id})
    notify(subject=f"{evaluation.year} 年度服务绩效评价结果已公布：{evaluation.get_grade_display()}"
                   f"（{evaluation.score} 分）",
           body="；".join(evaluation.vetoes) + ("。评价不合格，已按第十七条启动清退程序。" if evaluation.removal_id else ""),
           url=reverse("providers:evaluations") + f"?year={evaluation.year}", organisation=evaluation.profile.organisation)
    return evaluation
