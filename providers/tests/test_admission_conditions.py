"""第十四条 binds: a failed hard condition refuses pre-review and confirmation, naming the failing items; the
items needing judgement are ticked with a note at pre-review and required at confirmation."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from hangqifu.accounts.roles import Role
from hangqifu.audit.models import AuditEvent
from hangqifu.core.errors import InvalidInput, RuleViolation
from hangqifu.notices import services as notices
from hangqifu.notices.models import PublicNotice
from providers import services
from providers.models import ProviderApplication, ProviderProfile
from registration.models import CreditListEntry

from .factories import JUDGEMENTS_MET, SelectionRoundFactory, application_data, provider_user, upload_all_documents

pytestmark = pytest.mark.django_db
S = ProviderApplication.State


@pytest.fixture
def setup(open_round, make_user):
    return {"provider": provider_user(), "center": make_user(role=Role.SERVICE_CENTER),
            "bureau": make_user(role=Role.BUREAU), "expert": make_user(role=Role.EXPERT)}


def _submitted(provider, *, cases=8, **overrides):
    data = application_data(provider.organisation, **overrides)
    data["products"][0]["cases_last_year"] = cases
    application = services.application_create(actor=provider, **data)
    upload_all_documents(application, provider)
    return services.application_submit(actor=provider, application=application)


def _pre_review(setup, application, judgements=JUDGEMENTS_MET):
    return services.application_pre_review(actor=setup["center"], application=application, passed=True,
                                           opinion="材料齐全", judgements=judgements)


def _reviewed(setup, application):
    _pre_review(setup, application)
    services.experts_assign(actor=setup["center"], application=application, experts=[setup["expert"].pk])
    services.review_record(actor=setup["expert"], application=application, score=85, opinion="符合条件")
    application.refresh_from_db()
    assert application.state == S.EXPERT_REVIEWED
    return application


# Each hard condition at its threshold (passes) and one step under (refused): submitted on 2026-06-01,
# 2 years, 3,000,000.00 yuan, 5 staff, 3 cases per product.
AT_THRESHOLD = {"established_on": date(2024, 6, 1), "revenue": Decimal("3000000.00"), "professional_staff": 5,
                "cases": 3}
JUST_UNDER = [
    ("established", {"established_on": date(2024, 6, 2)}),      # one day short of two years
    ("revenue", {"revenue": Decimal("2999999.99")}),            # 0.01 under
    ("staff", {"professional_staff": 4}),
    ("cases", {"cases": 2}),
]


def test_every_hard_condition_at_its_threshold_passes_pre_review(setup):
    application = _submitted(setup["provider"], **AT_THRESHOLD)
    assert _pre_review(setup, application).state == S.PRE_REVIEWED


@pytest.mark.parametrize("key,under", JUST_UNDER, ids=[k for k, _ in JUST_UNDER])
def test_a_hard_condition_just_under_refuses_pre_review_naming_it(setup, key, under):
    # given an application at every threshold but one, just under it
    application = _submitted(setup["provider"], **{**AT_THRESHOLD, **under})
    # when the service center passes it
    with pytest.raises(RuleViolation) as exc:
        _pre_review(setup, application)
    # then refused, naming that item only, and nothing changes
    assert exc.value.code == "admission_conditions_unmet"
    assert set(exc.value.fields) == {key}
    application.refresh_from_db()
    assert application.state == S.SUBMITTED and application.condition_checks == {}
    # returning it for correction or rejecting it still works
    assert services.application_reject(actor=setup["center"], application=application,
                                       opinion="不符合第十四条").state == S.REJECTED


def test_the_issue_example_lists_every_failing_item(setup):
    # founded six months ago, ¥100k revenue, one staff member, no cases
    application = _submitted(setup["provider"], established_on=date(2025, 12, 1), revenue=Decimal("100000"),
                             professional_staff=1, cases=0)
    with pytest.raises(RuleViolation) as exc:
        _pre_review(setup, application)
    assert set(exc.value.fields) == {"established", "revenue", "staff", "cases"}
    assert "成立年限" in exc.value.detail and "上年度营业收入" in exc.value.detail


def test_the_years_count_to_the_submission_day_and_29_february(setup, set_clock):
    # founded 2024-02-29: two years are complete on 2026-02-28
    set_clock("2026-02-27T09:00:00+08:00")
    SelectionRoundFactory()
    early = _submitted(provider_user(), established_on=date(2024, 2, 29))
    set_clock("2026-02-28T09:00:00+08:00")
    on_time = _submitted(provider_user(), established_on=date(2024, 2, 29))
    set_clock("2026-06-01T09:00:00+08:00")
    with pytest.raises(RuleViolation) as exc:
        _pre_review(setup, early)  # reviewed later, still read for the day it was submitted
    assert set(exc.value.fields) == {"established"}
    assert _pre_review(setup, on_time).state == S.PRE_REVIEWED


def test_a_list_entry_refuses_on_its_day_and_not_the_day_before(setup, set_clock):
    application = _submitted(setup["provider"])
    CreditListEntry.objects.create(list_kind="judgment_defaulter", credit_code=application.credit_code,
                                   listed_on=date(2026, 6, 2))
    # the day before the listing: passes
    _pre_review(setup, application)
    # listed from 2026-06-02: the bureau's confirmation on that day is refused
    services.experts_assign(actor=setup["center"], application=application, experts=[setup["expert"].pk])
    services.review_record(actor=setup["expert"], application=application, score=85, opinion="符合")
    set_clock("2026-06-02T09:00:00+08:00")
    with pytest.raises(RuleViolation) as exc:
        services.application_confirm(actor=setup["bureau"], application=application)
    assert exc.value.code == "admission_conditions_unmet" and set(exc.value.fields) == {"credit"}
    assert "失信被执行人名单" in exc.value.detail
    application.refresh_from_db()
    assert application.state == S.EXPERT_REVIEWED and application.notice_id is None


def test_a_listed_applicant_is_refused_at_pre_review(setup):
    application = _submitted(setup["provider"])
    CreditListEntry.objects.create(list_kind="severe_dishonesty", credit_code=application.credit_code,
                                   listed_on=date(2026, 6, 1))
    with pytest.raises(RuleViolation) as exc:
        _pre_review(setup, application)
    assert set(exc.value.fields) == {"credit"}


@pytest.mark.parametrize("missing", ["premises", "licences", "serves_smes"])
def test_each_judgement_item_must_be_ticked_with_a_note(setup, missing):
    application = _submitted(setup["provider"])
    unticked = {**JUDGEMENTS_MET, missing: {"met": False, "note": "场地待核实"}}
    no_note = {**JUDGEMENTS_MET, missing: {"met": True, "note": "  "}}
    for judgements in (unticked, no_note, {k: v for k, v in JUDGEMENTS_MET.items() if k != missing}):
        with pytest.raises(InvalidInput) as exc:
            _pre_review(setup, application, judgements)
        assert exc.value.code == "judgement_missing" and set(exc.value.fields) == {missing}
    application.refresh_from_db()
    assert application.state == S.SUBMITTED


def test_ticks_are_recorded_audited_and_cleared_by_a_resubmission(setup):
    application = _pre_review(setup, _submitted(setup["provider"]))
    assert application.condition_checks["premises"]["note"] == "营业执照住所与租赁合同一致"
    assert application.condition_checks["premises"]["checked_by"] == setup["center"].pk
    event = AuditEvent.objects.get(action="provider_application.conditions_checked", object_id=str(application.pk))
    assert event.payload["judgements"]["serves_smes"] == "案例客户均为中小微企业"
    services.application_return(actor=setup["center"], application=application, opinion="补充租赁合同")
    services.application_submit(actor=setup["provider"], application=application)
    application.refresh_from_db()
    assert application.condition_checks == {}


def test_confirmation_rechecks_the_years_parameters_and_the_ticks(setup):
    from hangqifu.policy.models import PolicyYear

    application = _reviewed(setup, _submitted(setup["provider"], revenue=Decimal("3000000.00")))
    # the bureau raises the year's revenue condition by one cent before confirming
    PolicyYear.objects.filter(year=2026).update(provider_min_revenue=Decimal("3000000.01"))
    with pytest.raises(RuleViolation) as exc:
        services.application_confirm(actor=setup["bureau"], application=application)
    assert set(exc.value.fields) == {"revenue"}
    PolicyYear.objects.filter(year=2026).update(provider_min_revenue=Decimal("3000000.00"))
    # ticks lost (e.g. a row from before the rule): refused naming them
    ProviderApplication.objects.filter(pk=application.pk).update(condition_checks={})
    with pytest.raises(RuleViolation) as exc:
        services.application_confirm(actor=setup["bureau"], application=application)
    assert "固定经营场所" in exc.value.detail
    ProviderApplication.objects.filter(pk=application.pk).update(
        condition_checks={k: {**v, "checked_by_name": "c"} for k, v in JUDGEMENTS_MET.items()})
    assert services.application_confirm(actor=setup["bureau"], application=application).state == S.UNDER_NOTICE


def test_one_failing_applicant_holds_a_joint_confirmation(setup):
    good = _reviewed(setup, _submitted(setup["provider"]))
    other = provider_user()
    bad = _reviewed(setup, _submitted(other))
    CreditListEntry.objects.create(list_kind="severe_dishonesty", credit_code=bad.credit_code,
                                   listed_on=date(2026, 6, 1))
    with pytest.raises(RuleViolation) as exc:
        services.applications_confirm(actor=setup["bureau"], applications=[good, bad])
    assert bad.name in exc.value.detail
    good.refresh_from_db()
    assert good.state == S.EXPERT_REVIEWED


def test_an_applicant_listed_while_its_notice_is_open_is_admitted_suspended(setup, set_clock):
    application = _reviewed(setup, _submitted(setup["provider"]))
    application = services.application_confirm(actor=setup["bureau"], application=application, opinion="同意入选")
    # listed the day after the bureau's confirmation, during the notice window
    CreditListEntry.objects.create(list_kind="severe_dishonesty", credit_code=application.credit_code,
                                   listed_on=date(2026, 6, 2))
    set_clock(PublicNotice.objects.get(pk=application.notice_id).closes_at + timedelta(minutes=1))
    notices.notices_close_expired()
    application.refresh_from_db()
    profile = ProviderProfile.objects.get(organisation=application.organisation)
    assert application.state == S.ADMITTED and profile.state == ProviderProfile.State.SUSPENDED
    event = AuditEvent.objects.get(action="provider.suspend", object_id=str(profile.pk))
    assert "公示期满时列入失信名单" in event.payload["reason"] and "严重失信" in event.payload["reason"]
