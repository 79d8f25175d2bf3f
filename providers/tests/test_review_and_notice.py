"""Expert review (rubric, assignment, conflicts of interest), third-party review, bureau confirmation and the
public notice with and without objection."""
from datetime import timedelta

import pytest

from hangqifu.accounts.roles import Role
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, InvalidTransition, NotPermitted, RuleViolation
from hangqifu.notices import services as notices
from hangqifu.notices.models import NoticeItem
from providers import services
from providers.models import ExpertAssignment, Product, ProviderApplication, ProviderProfile, Review

from .factories import JUDGEMENTS_MET, application_data, provider_user, upload_all_documents

pytestmark = pytest.mark.django_db
S = ProviderApplication.State


@pytest.fixture
def setup(open_round, make_user):
    provider = provider_user()
    application = services.application_create(actor=provider, **application_data(provider.organisation))
    upload_all_documents(application, provider)
    services.application_submit(actor=provider, application=application)
    center = make_user(role=Role.SERVICE_CENTER)
    services.application_pre_review(actor=center, application=application, passed=True, opinion="材料齐全",
                                     judgements=JUDGEMENTS_MET)
    application.refresh_from_db()
    return {"provider": provider, "application": application, "center": center,
            "bureau": make_user(role=Role.BUREAU), "experts": [make_user(role=Role.EXPERT) for _ in range(2)]}


def test_only_experts_can_be_assigned_by_the_service_center(setup, make_user):
    app, center = setup["application"], setup["center"]
    with pytest.raises(InvalidInput) as exc:
        services.experts_assign(actor=center, application=app, experts=[make_user(role=Role.ENTERPRISE).pk])
    assert exc.value.code == "not_expert"
    with pytest.raises(NotPermitted):
        services.experts_assign(actor=setup["bureau"], application=app, experts=[setup["experts"][0].pk])
    services.experts_assign(actor=center, application=app, experts=[e.pk for e in setup["experts"]])
    assert ExpertAssignment.objects.filter(application=app).count() == 2


def test_an_expert_with_a_declared_link_cannot_be_assigned_or_review(setup):
    app, center = setup["application"], setup["center"]
    linked, other = setup["experts"]
    services.conflict_declare(actor=linked, provider_name=app.name, credit_code=app.credit_code, relation="曾任该机构顾问")
    with pytest.raises(RuleViolation) as exc:
        services.experts_assign(actor=center, application=app, experts=[linked.pk, other.pk])
    assert exc.value.code == "conflict_of_interest"
    assert not ExpertAssignment.objects.exists()  # nothing half-saved


def test_declaring_after_assignment_withdraws_the_unreviewed_assignment(setup):
    app, center = setup["application"], setup["center"]
    expert, _ = setup["experts"]
    services.experts_assign(actor=center, application=app, experts=[expert.pk])
    services.conflict_declare(actor=expert, provider_name=app.name, credit_code=app.credit_code, relation="持股")
    assert not ExpertAssignment.objects.filter(expert=expert).exists()
    with pytest.raises(NotPermitted):
        services.review_record(actor=expert, application=app, score=90, opinion="好")


def test_scores_outside_the_rubric_are_refused(setup):
    app, center = setup["application"], setup["center"]
    expert, _ = setup["experts"]
    services.experts_assign(actor=center, application=app, experts=[expert.pk])
    for bad in ({"score": 101}, {"score": -1}, {"scores": {"qualifications": 21, "service_capability": 10, "cases": 10,
                                                          "price_reasonableness": 10, "after_sales": 10}},
                {"scores": {"qualifications": 10}}):
        with pytest.raises(InvalidInput) as exc:
            services.review_record(actor=expert, application=app, opinion="意见", **bad)
        assert exc.value.code == "score_out_of_rubric"
    assert not Review.objects.exists()
    review = services.review_record(actor=expert, application=app, opinion="服务能力较强", scores={
        "qualifications": 18, "service_capability": 22, "cases": 20, "price_reasonableness": 12, "after_sales": 13})
    assert review.total == 85
    with pytest.raises(InvalidTransition):  # the only assigned expert has reviewed: review is complete
        services.review_record(actor=expert, application=app, score=80, opinion="再评")


def test_review_completes_when_every_assigned_expert_has_scored(setup):
    app, center = setup["application"], setup["center"]
    first, second = setup["experts"]
    services.experts_assign(actor=center, application=app, experts=[first.pk, second.pk])
    services.review_record(actor=first, application=app, score=70, opinion="一般")
    app.refresh_from_db()
    assert app.state == S.PRE_REVIEWED
    with pytest.raises(NotPermitted):  # an unassigned expert
        services.review_record(actor=setup["provider"], application=app, score=70, opinion="x")
    services.review_record(actor=second, application=app, score=90, opinion="优秀")
    app.refresh_from_db()
    assert app.state == S.EXPERT_REVIEWED


def test_third_party_review_is_recorded_the_same_way(setup):
    app, center = setup["application"], setup["center"]
    with pytest.raises(NotPermitted):
        services.third_party_review_record(actor=setup["bureau"], application=app, reviewer_name="某评估公司",
                                           score=80, opinion="合格")
    review = services.third_party_review_record(actor=center, application=app, reviewer_name="浙江某评估咨询公司",
                                                score=82, opinion="符合入驻条件")
    assert review.reviewer_kind == Review.ReviewerKind.THIRD_PARTY and review.reviewer is None
    app.refresh_from_db()
    assert app.state == S.EXPERT_REVIEWED


def _reviewed(setup):
    app = setup["application"]
    services.third_party_review_record(actor=setup["center"], application=app, reviewer_name="评估公司", score=88,
                                       opinion="合格")
    app.refresh_from_db()
    return app


def test_confirmation_publishes_the_notice_and_admission_follows_a_clear_close(setup, set_clock):
    app = services.application_confirm(actor=setup["bureau"], application=_reviewed(setup), opinion="同意入选")
    assert app.state == S.UNDER_NOTICE and app.notice_id
    item = NoticeItem.objects.get(notice_id=app.notice_id)
    assert item.subject == app
    # when the window passes and the closing job runs
    set_clock(item.notice.closes_at + timedelta(minutes=1))
    notices.notices_close_expired()
    # then the provider is admitted, its proposed product is a draft to submit
    app.refresh_from_db()
    assert app.state == S.ADMITTED
    profile = ProviderProfile.objects.get(organisation=app.organisation)
    assert profile.state == ProviderProfile.State.ADMITTED and profile.district == app.district
    assert Product.objects.filter(provider=app.organisation, state=Product.State.DRAFT).count() == 1


def _notice_closed_with_an_objection(setup, set_clock, make_user, content):
    """The bureau confirms a reviewed application; an enterprise objects during the notice, which then ends."""
    app = services.application_confirm(actor=setup["bureau"], application=_reviewed(setup))
    item = NoticeItem.objects.get(notice_id=app.notice_id)
    objection = notices.objection_file(notice=item.notice, item=item, user=make_user(role=Role.ENTERPRISE),
                                       content=content)
    set_clock(item.notice.closes_at + timedelta(minutes=1))
    notices.notices_close_expired()
    return app, objection


def test_an_objection_holds_the_provider_until_staff_resolve_it(setup, set_clock, make_user):
    app, objection = _notice_closed_with_an_objection(setup, set_clock, make_user, "该机构去年案例造假")
    app.refresh_from_db()
    assert app.state == S.UNDER_NOTICE  # held
    assert not ProviderProfile.objects.exists()
    # the objection is upheld → not admitted
    notices.objection_resolve(objection=objection, actor=setup["center"], upheld=True, opinion="经核实案例不实")
    app.refresh_from_db()
    assert app.state == S.REJECTED
    assert not ProviderProfile.objects.exists()


def test_a_dismissed_objection_releases_the_admission(setup, set_clock, make_user):
    app, objection = _notice_closed_with_an_objection(setup, set_clock, make_user, "疑问")
    notices.objection_resolve(objection=objection, actor=setup["center"], upheld=False, opinion="异议不成立")
    app.refresh_from_db()
    assert app.state == S.ADMITTED


def test_confirming_several_applicants_publishes_one_notice(setup, make_user):
    first = _reviewed(setup)
    other = provider_user()
    second = services.application_create(actor=other, **application_data(other.organisation))
    upload_all_documents(second, other)
    services.application_submit(actor=other, application=second)
    services.application_pre_review(actor=setup["center"], application=second, passed=True,
                                     judgements=JUDGEMENTS_MET)
    services.third_party_review_record(actor=setup["center"], application=second, reviewer_name="评估公司", score=75,
                                       opinion="合格")
    confirmed = services.applications_confirm(actor=setup["bureau"], applications=[first, second])
    assert {a.notice_id for a in confirmed} == {confirmed[0].notice_id}
    assert NoticeItem.objects.filter(notice_id=confirmed[0].notice_id).count() == 2
    assert clock.now()  # business clock untouched
