"""第十六条 annual evaluation: the grading rule at its marks, entry from the year's end, publication, and a
failing grade opening removal (第十七条) through the existing removal flow."""
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from hangqifu.accounts.roles import Role
from hangqifu.audit.models import AuditEvent
from hangqifu.core.errors import InvalidInput, NotPermitted, RuleViolation
from providers.evaluation import EvaluationFigures, grade, grade_for_score
from providers.models import AnnualEvaluation, ProviderProfile, Removal, RemovalReason
from providers.performance import ProviderYearStats
from providers.services import evaluations as service
from providers.services import removal_propose

from .factories import admitted_provider

pytestmark = pytest.mark.django_db
D = Decimal


def figures(**overrides):
    base = {"rated": 10, "satisfied": 10, "dissatisfied": 0, "benefit_score": D("80"), "spot_checks": 0,
            "spot_checks_passed": 0, "complaints_upheld": 0, "audit_serious": False}
    return EvaluationFigures(**{**base, **overrides})


def graded(**overrides):
    return grade(figures(**overrides), dissatisfaction_threshold=D("0.20"), min_ratings=5)


@pytest.mark.parametrize("score,expected", [("59.99", "fail"), ("60.00", "pass"), ("74.99", "pass"),
                                            ("75.00", "good"), ("89.99", "good"), ("90.00", "excellent")])
def test_the_grade_marks(score, expected):
    assert grade_for_score(D(score)) == expected


def test_the_weights_at_the_pass_mark():
    # 40% × 100 + 30% × 60 + 20% × 10 (1 of 10 spot checks passed) + 10% × 0 (four complaints upheld) = 60.00
    result = graded(benefit_score=D("60"), spot_checks=10, spot_checks_passed=1, complaints_upheld=4)
    assert result.score == D("60.00") and result.grade == "pass" and not result.vetoes
    # one dissatisfied rating in 3,334 brings satisfaction to 99.97: 59.99, failed
    result = graded(rated=3334, satisfied=3333, dissatisfied=1, benefit_score=D("60"), spot_checks=10,
                    spot_checks_passed=1, complaints_upheld=4)
    assert result.score == D("59.99") and result.grade == "fail"


def test_without_ratings_or_spot_checks():
    result = graded(rated=0, satisfied=0, benefit_score=D("70"))
    assert result.components["satisfaction"] == D("70") and result.components["spot_checks"] == D("100")
    assert result.score == D("79.00") and result.grade == "good"


@pytest.mark.parametrize("benefit,vetoed", [("59.99", True), ("60.00", False)])
def test_a_failed_benefit_evaluation_fails_the_year(benefit, vetoed):
    result = graded(benefit_score=D(benefit))
    assert bool(result.vetoes) is vetoed and (result.grade == "fail") is vetoed


@pytest.mark.parametrize("rated,dissatisfied,vetoed", [(5, 1, True),     # 20% of 5 ratings: at the threshold
                                                       (4, 1, False),    # 25%, but under the 5-rating minimum
                                                       (6, 1, False)])   # 16.7%
def test_the_dissatisfaction_threshold_fails_the_year(rated, dissatisfied, vetoed):
    result = graded(rated=rated, satisfied=rated - dissatisfied, dissatisfied=dissatisfied, benefit_score=D("95"))
    assert (result.grade == "fail") is vetoed


def test_a_serious_audit_finding_fails_the_year():
    assert graded(benefit_score=D("100"), audit_serious=True).grade == "fail"


# --- the service -----------------------------------------------------------------------------------------

ENTRY = {"benefit_score": D("85"), "benefit_note": "服务成效明显，企业降本增效", "spot_checks": 2,
         "spot_checks_passed": 2, "complaints_upheld": 0, "audit_conclusion": "clean",
         "audit_institution": "浙江某会计师事务所", "audit_note": "抽查 10 笔兑付，与合同、发票一致"}


@pytest.fixture
def world(set_clock, make_user, monkeypatch):
    set_clock("2027-01-05T09:00:00+08:00")
    provider = admitted_provider()
    stats = {"value": ProviderYearStats(organisation_id=provider.organisation_id, year=2026, rated_count=10,
                                        satisfied_count=10)}
    monkeypatch.setattr(service, "collect_stats",
                        lambda *, year, organisation_ids: {organisation_ids[0]: stats["value"]})
    return {"provider": provider, "profile": ProviderProfile.objects.get(organisation=provider.organisation),
            "center": make_user(role=Role.SERVICE_CENTER), "bureau": make_user(role=Role.BUREAU), "stats": stats}


@pytest.mark.parametrize("today,allowed", [("2026-12-31T23:59:00+08:00", False), ("2027-01-01T00:00:00+08:00", True)])
def test_a_year_is_evaluated_from_the_next_first_of_january(world, set_clock, today, allowed):
    set_clock(today)
    if allowed:
        assert service.evaluation_record(actor=world["center"], profile=world["profile"], year=2026, **ENTRY).pk
    else:
        with pytest.raises(RuleViolation) as exc:
            service.evaluation_record(actor=world["center"], profile=world["profile"], year=2026, **ENTRY)
        assert exc.value.code == "year_not_ended"


def test_entry_is_validated_and_for_the_service_center(world):
    with pytest.raises(NotPermitted):
        service.evaluation_record(actor=world["bureau"], profile=world["profile"], year=2026, **ENTRY)
    for bad in ({"benefit_score": D("100.01")}, {"benefit_score": D("-0.01")}, {"spot_checks_passed": 3},
                {"audit_conclusion": "serious", "audit_note": ""}, {"benefit_note": " "}):
        with pytest.raises(InvalidInput):
            service.evaluation_record(actor=world["center"], profile=world["profile"], year=2026, **{**ENTRY, **bad})
    assert not AnnualEvaluation.objects.exists()


def test_a_passing_evaluation_is_published_without_removal(world):
    evaluation = service.evaluation_record(actor=world["center"], profile=world["profile"], year=2026, **ENTRY)
    assert evaluation.score == D("95.50") and evaluation.grade == "excellent"
    evaluation = service.evaluation_publish(actor=world["center"], evaluation=evaluation)
    assert evaluation.state == "published" and evaluation.removal is None
    assert AuditEvent.objects.filter(action="provider_evaluation.publish", object_id=str(evaluation.pk)).exists()
    with pytest.raises(RuleViolation) as exc:
        service.evaluation_record(actor=world["center"], profile=world["profile"], year=2026, **ENTRY)
    assert exc.value.code == "evaluation_published"


def test_publication_regrades_with_the_ratings_as_they_stand_and_a_fail_opens_removal(world):
    evaluation = service.evaluation_record(actor=world["center"], profile=world["profile"], year=2026, **ENTRY)
    assert evaluation.grade == "excellent"
    # ratings of 2026 orders arrive late: 2 of 10 dissatisfied (20%)
    world["stats"]["value"] = ProviderYearStats(organisation_id=world["provider"].organisation_id, year=2026,
                                                rated_count=10, satisfied_count=8, dissatisfied_count=2)
    evaluation = service.evaluation_publish(actor=world["center"], evaluation=evaluation)
    assert evaluation.grade == "fail" and "不满意率" in evaluation.vetoes[0]
    removal = evaluation.removal
    assert removal.state == Removal.State.PROPOSED and removal.reason == RemovalReason.DISSATISFACTION
    assert removal.evidence["evaluation"] == evaluation.pk and removal.proposed_by == world["center"]
    assert AuditEvent.objects.filter(action="provider_removal.propose", object_id=str(removal.pk)).exists()


def test_a_serious_audit_finding_opens_removal_on_the_audit_ground(world):
    evaluation = service.evaluation_record(actor=world["center"], profile=world["profile"], year=2026,
                                           **{**ENTRY, "audit_conclusion": "serious"})
    evaluation = service.evaluation_publish(actor=world["center"], evaluation=evaluation)
    assert evaluation.removal.reason == RemovalReason.REDEMPTION_MISMATCH


def test_a_removal_already_in_progress_is_the_one_it_joins(world):
    existing = removal_propose(actor=world["center"], profile=world["profile"], reason=RemovalReason.OTHER,
                               details="抽查发现问题")
    evaluation = service.evaluation_record(actor=world["center"], profile=world["profile"], year=2026,
                                           **{**ENTRY, "benefit_score": D("50")})
    evaluation = service.evaluation_publish(actor=world["center"], evaluation=evaluation)
    assert evaluation.removal == existing and Removal.objects.count() == 1


def test_the_database_refuses_a_published_fail_without_removal(world):
    evaluation = service.evaluation_record(actor=world["center"], profile=world["profile"], year=2026,
                                           **{**ENTRY, "benefit_score": D("50")})
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnualEvaluation.objects.filter(pk=evaluation.pk).update(state="published")


def test_the_api_and_the_public_page(world, api_as, api_client, client):
    center = api_as(world["center"])
    body = {**{k: str(v) if isinstance(v, Decimal) else v for k, v in ENTRY.items()},
            "provider": world["provider"].organisation_id, "year": 2026, "benefit_score": "59.99"}
    assert api_as(world["provider"]).post("/api/v1/provider-evaluations/", body, format="json").status_code == 403
    response = center.post("/api/v1/provider-evaluations/", {**body, "year": 2027}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "year_not_ended"
    response = center.post("/api/v1/provider-evaluations/", body, format="json")
    assert response.status_code == 201 and response.json()["grade"] == "fail"
    pk = response.json()["id"]
    assert api_client.get("/api/v1/provider-evaluations/", {"year": 2026}).json()["count"] == 0  # not yet published
    published = center.post(f"/api/v1/provider-evaluations/{pk}/publish/", format="json").json()
    assert published["state"] == "published" and published["removal"]
    public = api_client.get("/api/v1/provider-evaluations/", {"year": 2026}).json()
    assert public["count"] == 1 and public["results"][0]["grade_label"] == "不合格"
    page = client.get("/providers/evaluations/?year=2026").content.decode()
    assert world["provider"].organisation.name in page and "不合格" in page and "综合得分 = 企业满意度 40%" in page


def test_the_lists_take_a_bounded_number_of_queries(world, client, api_client, django_assert_max_num_queries):
    for _ in range(6):
        profile = ProviderProfile.objects.get(organisation=admitted_provider().organisation)
        service.evaluation_publish(actor=world["center"], evaluation=service.evaluation_record(
            actor=world["center"], profile=profile, year=2026, **ENTRY))
    client.force_login(world["center"])
    with django_assert_max_num_queries(12):
        assert client.get("/providers/evaluations/manage/?year=2026").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/providers/evaluations/?year=2026").status_code == 200
    with django_assert_max_num_queries(8):
        assert api_client.get("/api/v1/provider-evaluations/", {"year": 2026}).json()["count"] == 6


def test_a_suspended_providers_result_waits_the_condition_names_its_state(world):
    # given a recorded evaluation and the provider suspended since (on a dishonesty list)
    evaluation = service.evaluation_record(actor=world["center"], profile=world["profile"], year=2026, **ENTRY)
    ProviderProfile.objects.filter(pk=world["profile"].pk).update(state=ProviderProfile.State.SUSPENDED)
    # when the service center publishes it: refused by the transition's condition with the API's code
    with pytest.raises(RuleViolation) as exc:
        service.evaluation_publish(actor=world["center"], evaluation=evaluation)
    assert exc.value.code == "not_admitted" and "暂停" in exc.value.detail
    # and the bureau, whom publication does not admit, is told 403 first
    with pytest.raises(NotPermitted):
        service.evaluation_publish(actor=world["bureau"], evaluation=evaluation)
    assert AnnualEvaluation.objects.get(pk=evaluation.pk).state == AnnualEvaluation.State.DRAFT
