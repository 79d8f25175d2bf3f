"""Expert and third-party review of pre-reviewed applications; conflicts of interest."""
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.accounts.validators import is_valid_credit_code
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, InvalidTransition, NotPermitted, RuleViolation
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire

from ..models import ConflictDeclaration, ExpertAssignment, ProviderApplication, Review
from ..models.applications import RUBRIC, RUBRIC_TOTAL


def has_conflict(expert, application) -> bool:
    codes = {application.credit_code, application.organisation.credit_code} - {None, ""}
    return ConflictDeclaration.objects.filter(expert=expert, credit_code__in=codes).exists()


def _locked_for_review(application) -> ProviderApplication:
    application = ProviderApplication.objects.select_for_update().select_related("organisation").get(pk=application.pk)
    if application.state != ProviderApplication.State.PRE_REVIEWED:
        raise InvalidTransition("只有通过形式预审、尚未完成评审的申请可以指派专家或评审")
    return application


@transaction.atomic
def experts_assign(*, actor, application, experts) -> list[ExpertAssignment]:
    """The service center assigns experts (users with the expert role, without a declared link)."""
    if not actor.has_role(Role.SERVICE_CENTER):
        raise NotPermitted("只有市工信服务中心可以指派评审专家")
    application = _locked_for_review(application)
    ids = list(dict.fromkeys(int(getattr(e, "pk", e)) for e in experts))
    if not ids:
        raise InvalidInput("请选择评审专家", fields={"experts": ["至少指派一名专家"]})
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids, role=Role.EXPERT, is_active=True)}
    unknown = [i for i in ids if i not in users]
    if unknown:
        raise InvalidInput("只能指派评审专家角色的用户", code="not_expert",
                           fields={"experts": [f"用户 {i} 不是评审专家" for i in unknown]})
    conflicted = [u for u in users.values() if has_conflict(u, application)]
    if conflicted:
        raise RuleViolation(f"专家 {'、'.join(u.username for u in conflicted)} 已申报与该机构存在关联关系，须回避",
                            code="conflict_of_interest", fields={"experts": [u.pk for u in conflicted]})
    existing = set(application.assignments.values_list("expert_id", flat=True))
    created = ExpertAssignment.objects.bulk_create(
        ExpertAssignment(application=application, expert=users[i], assigned_by=actor, assigned_at=clock.now())
        for i in ids if i not in existing)
    audit_record(actor=actor, action="provider_application.assign_experts", obj=application,
                 organisation=application.organisation, payload={"experts": [a.expert_id for a in created]})
    if created:
        notify(subject=f"您被指派评审服务机构入驻申请：{application.name}",
               url=reverse("providers:review", args=[application.pk]), users=[a.expert for a in created])
    return created


def _total_from(score, scores) -> tuple[Decimal, dict]:
    if scores:
        if not isinstance(scores, dict) or set(scores) != set(RUBRIC):
            raise InvalidInput("请按评分细则逐项打分", code="score_out_of_rubric",
                               fields={"scores": [f"须包含且只包含：{'、'.join(RUBRIC)}"]})
        clean, errors = {}, {}
        for key, (label, maximum) in RUBRIC.items():
            try:
                value = Decimal(str(scores[key]))
            except (InvalidOperation, TypeError, ValueError):
                value = None
            if value is None or not value.is_finite() or value < 0 or value > maximum:
                errors[key] = [f"{label}得分须在 0–{maximum} 之间"]
            else:
                clean[key] = str(value)
        if errors:
            raise InvalidInput("评分超出评分细则范围", code="score_out_of_rubric", fields=errors)
        return sum(Decimal(v) for v in clean.values()), clean
    try:
        total = Decimal(str(score))
    except (InvalidOperation, TypeError, ValueError):
        total = None
    if total is None or not total.is_finite() or total < 0 or total > RUBRIC_TOTAL or total != round(total, 2):
        raise InvalidInput(f"总分须在 0–{RUBRIC_TOTAL} 之间", code="score_out_of_rubric",
                           fields={"score": [f"总分须在 0–{RUBRIC_TOTAL} 之间"]})
    return total, {}


def _maybe_complete(application, actor):
    assigned = set(application.assignments.values_list("expert_id", flat=True))
    reviews = list(application.reviews.all())
    reviewed = {r.reviewer_id for r in reviews if r.reviewer_id}
    if not reviews or not assigned <= reviewed:
        return
    fire(application, "complete_review", actor=actor, system=True, action="provider_application.expert_reviewed",
         organisation=application.organisation)
    notify(subject=f"服务机构入驻申请评审完成，待确认：{application.name}",
           url=reverse("providers:application-detail", args=[application.pk]), roles=[Role.BUREAU])


@transaction.atomic
def review_record(*, actor, application, opinion: str, score=None, scores=None) -> Review:
    """An assigned expert's score (a total 0–100, or per rubric criterion) and written opinion."""
    if not actor.has_role(Role.EXPERT):
        raise NotPermitted("只有被指派的评审专家可以评审")
    application = _locked_for_review(application)
    if not application.assignments.filter(expert=actor).exists():
        raise NotPermitted("您未被指派评审该申请")
    if has_conflict(actor, application):
        raise RuleViolation("您已申报与该机构存在关联关系，须回避", code="conflict_of_interest")
    return _record(actor=actor, application=application, reviewer=actor, reviewer_name="", opinion=opinion,
                   score=score, scores=scores)


@transaction.atomic
def third_party_review_record(*, actor, application, reviewer_name: str, opinion: str, score=None,
                              scores=None) -> Review:
    """The service center records a third-party institution's review (第十五条 第三方评审) the same way."""
    if not actor.has_role(Role.SERVICE_CENTER):
        raise NotPermitted("只有市工信服务中心可以录入第三方评审意见")
    application = _locked_for_review(application)
    if not (reviewer_name or "").strip():
        raise InvalidInput("请填写第三方机构名称", fields={"reviewer_name": ["必填"]})
    return _record(actor=actor, application=application, reviewer=None, reviewer_name=reviewer_name.strip(),
                   opinion=opinion, score=score, scores=scores)


def _record(*, actor, application, reviewer, reviewer_name, opinion, score, scores) -> Review:
    opinion = (opinion or "").strip()
    if not opinion:
        raise InvalidInput("请填写评审意见", fields={"opinion": ["必填"]})
    if score is None and not scores:
        raise InvalidInput("请打分", code="score_out_of_rubric", fields={"score": ["必填"]})
    total, clean = _total_from(score, scores)
    kind = Review.ReviewerKind.EXPERT if reviewer else Review.ReviewerKind.THIRD_PARTY
    try:
        with transaction.atomic():
            review = Review.objects.create(application=application, reviewer_kind=kind, reviewer=reviewer,
                                           reviewer_name=reviewer_name, recorded_by=actor, scores=clean,
                                           total=total, opinion=opinion, created_at=clock.now())
    except IntegrityError as exc:
        raise RuleViolation("您已评审过该申请", code="already_reviewed") from exc
    audit_record(actor=actor, action="provider_application.review", obj=application,
                 organisation=application.organisation,
                 payload={"review": review.pk, "kind": kind, "total": total, "scores": clean})
    _maybe_complete(application, actor)
    return review


@transaction.atomic
def conflict_declare(*, actor, provider_name: str, credit_code: str, relation: str) -> ConflictDeclaration:
    """An expert declares a link to a provider; open, unreviewed assignments to it are withdrawn."""

    if not actor.has_role(Role.EXPERT):
        raise NotPermitted("只有评审专家可以申报利益冲突")
    credit_code = (credit_code or "").strip().upper()
    errors = {}
    if not is_valid_credit_code(credit_code):
        errors["credit_code"] = ["统一社会信用代码无效"]
    if not (provider_name or "").strip():
        errors["provider_name"] = ["请填写机构名称"]
    if not (relation or "").strip():
        errors["relation"] = ["请说明关联关系"]
    if errors:
        raise InvalidInput("申报信息有误", fields=errors)
    declaration, created = ConflictDeclaration.objects.get_or_create(
        expert=actor, credit_code=credit_code,
        defaults={"provider_name": provider_name.strip(), "relation": relation.strip(), "declared_at": clock.now()})
    if not created:
        raise RuleViolation("您已申报过与该机构的关联关系", code="already_declared")
    audit_record(actor=actor, action="provider_conflict.declare", obj=declaration,
                 payload={"credit_code": credit_code, "relation": declaration.relation})
    withdrawn = ExpertAssignment.objects.filter(
        expert=actor, application__state=ProviderApplication.State.PRE_REVIEWED).filter(
        application__credit_code=credit_code).exclude(application__reviews__reviewer=actor).select_related("application")
    for assignment in list(withdrawn):
        application = assignment.application
        assignment.delete()
        audit_record(actor=actor, action="provider_application.assignment_withdrawn", obj=application,
                     organisation=application.organisation, payload={"expert": actor.pk, "reason": "conflict"})
        notify(subject=f"专家 {actor.username} 申报回避，请为该申请另行指派专家：{application.name}",
               url=reverse("providers:application-detail", args=[application.pk]), roles=[Role.SERVICE_CENTER])
    return declaration
