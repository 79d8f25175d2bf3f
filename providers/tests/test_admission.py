"""Admission (第十四、十五条): application FSM, materials, checklist at the thresholds, roles."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from hangqifu.accounts.roles import Role
from hangqifu.audit.models import AuditEvent
from hangqifu.core.errors import InvalidInput, InvalidTransition, NotPermitted, RuleViolation
from hangqifu.documents.tests.factories import pdf_upload
from providers import selectors, services
from providers.models import ProviderApplication

from .factories import JUDGEMENTS_MET, SelectionRoundFactory, application_data, provider_user, upload_all_documents

pytestmark = pytest.mark.django_db
S = ProviderApplication.State


@pytest.fixture
def provider(open_round):
    return provider_user()


def _submitted(provider, **overrides):
    application = services.application_create(actor=provider, **application_data(provider.organisation, **overrides))
    upload_all_documents(application, provider)
    return services.application_submit(actor=provider, application=application)


def test_provider_applies_and_submits_with_all_materials(provider, open_round):
    # given a draft with the proposed product
    application = services.application_create(actor=provider, **application_data(provider.organisation))
    assert application.state == S.DRAFT and application.round == open_round
    assert application.products.count() == 1
    # when every 第十五条 material is uploaded and the provider submits
    upload_all_documents(application, provider)
    application = services.application_submit(actor=provider, application=application)
    # then it waits for pre-review, audited
    assert application.state == S.SUBMITTED and application.submitted_at is not None
    assert AuditEvent.objects.filter(action="provider_application.submit", object_id=str(application.pk),
                                     to_state=S.SUBMITTED).exists()


def test_submit_refuses_missing_materials_and_changes_nothing(provider):
    application = services.application_create(actor=provider, **application_data(provider.organisation))
    services.application_document_add(actor=provider, application=application, kind="business_licence",
                                      uploaded_file=pdf_upload())
    with pytest.raises(InvalidInput) as exc:
        services.application_submit(actor=provider, application=application)
    assert exc.value.code == "missing_documents"
    assert "audit_report" in exc.value.fields and "business_licence" not in exc.value.fields
    application.refresh_from_db()
    assert application.state == S.DRAFT and application.submitted_at is None


def test_bad_input_is_refused_with_field_errors(provider):
    data = application_data(provider.organisation, categories=["space_travel"], credit_code="123",
                            products=[{"category": "", "title": "x", "description": "y", "price": "0",
                                       "last_year_average_price": "-1", "cases_last_year": 3}])
    with pytest.raises(InvalidInput) as exc:
        services.application_create(actor=provider, **data)
    assert {"categories", "credit_code"} <= set(exc.value.fields)
    with pytest.raises(InvalidInput) as exc:
        services.application_create(actor=provider, **application_data(provider.organisation, products=data["products"]))
    assert "products[0]" in exc.value.fields
    assert not ProviderApplication.objects.exists()


def test_only_provider_accounts_apply_and_only_once_per_round(provider, make_user):
    with pytest.raises(NotPermitted):
        services.application_create(actor=make_user(role=Role.ENTERPRISE), **application_data(provider.organisation))
    services.application_create(actor=provider, **application_data(provider.organisation))
    with pytest.raises(RuleViolation) as exc:
        services.application_create(actor=provider, **application_data(provider.organisation))
    assert exc.value.code == "duplicate_application"


def test_no_application_outside_the_window(set_clock, policy_day):
    round_ = SelectionRoundFactory()
    provider = provider_user()
    set_clock(round_.closes_at + timedelta(minutes=1))
    with pytest.raises(RuleViolation) as exc:
        services.application_create(actor=provider, round=round_, **application_data(provider.organisation))
    assert exc.value.code == "round_closed"


def _checklist(application):
    return {item.key: item.passed for item in selectors.application_checklist(application)}


def test_checklist_at_the_thresholds(provider):
    # given values exactly at the 2026 policy thresholds: 2 years, 3,000,000, 5 staff, 3 cases
    at = application_data(provider.organisation, established_on=date(2024, 6, 1), revenue=Decimal("3000000.00"),
                          professional_staff=5)
    at["products"][0]["cases_last_year"] = 3
    application = _submitted(provider, **{k: v for k, v in at.items() if k != "name"})
    # then every condition passes
    assert _checklist(application) == {"established": True, "revenue": True, "staff": True, "cases": True,
                                       "categories": True, "credit": True, "materials": True}


def test_checklist_flags_values_just_below_but_allows_submission(provider):
    below = application_data(provider.organisation, established_on=date(2024, 6, 2), revenue=Decimal("2999999.99"),
                             professional_staff=4)
    below["products"][0]["cases_last_year"] = 2
    application = _submitted(provider, **below)
    assert application.state == S.SUBMITTED
    flags = _checklist(application)
    assert not flags["established"] and not flags["revenue"] and not flags["staff"] and not flags["cases"]
    assert flags["materials"] and flags["categories"]


def test_checklist_reads_the_rounds_policy_year(provider):
    from hangqifu.policy.models import PolicyYear

    PolicyYear.objects.filter(year=2026).update(provider_min_staff=20)
    application = _submitted(provider)
    assert _checklist(application)["staff"] is False  # 12 staff < 20 in this year's parameters


def test_pre_review_pass_and_fail(provider, center):
    application = _submitted(provider)
    # a provider cannot pre-review its own application
    with pytest.raises(NotPermitted):
        services.application_pre_review(actor=provider, application=application, passed=True)
    # failing needs an opinion and returns the application for correction
    with pytest.raises(InvalidInput):
        services.application_pre_review(actor=center, application=application, passed=False, opinion="")
    returned = services.application_pre_review(actor=center, application=application, passed=False,
                                               opinion="审计报告不清晰")
    assert returned.state == S.RETURNED and returned.pre_review_opinion == "审计报告不清晰"
    # the provider corrects and resubmits; now it passes
    services.application_submit(actor=provider, application=returned)
    passed = services.application_pre_review(actor=center, application=returned, passed=True, opinion="材料齐全",
                                              judgements=JUDGEMENTS_MET)
    assert passed.state == S.PRE_REVIEWED
    # wrong state → invalid transition
    with pytest.raises(InvalidTransition):
        services.application_pre_review(actor=center, application=passed, passed=True)


def test_reject_path(provider, center, bureau):
    application = _submitted(provider)
    rejected = services.application_reject(actor=center, application=application, opinion="不属于服务券支持范围")
    assert rejected.state == S.REJECTED
    with pytest.raises(InvalidTransition):
        services.application_submit(actor=provider, application=rejected)


def test_confirm_is_for_the_bureau_only(provider, center, bureau, make_user):
    application = _submitted(provider)
    services.application_pre_review(actor=center, application=application, passed=True, judgements=JUDGEMENTS_MET)
    expert = make_user(role=Role.EXPERT)
    services.experts_assign(actor=center, application=application, experts=[expert.pk])
    services.review_record(actor=expert, application=application, score=80, opinion="符合条件")
    application.refresh_from_db()
    assert application.state == S.EXPERT_REVIEWED
    with pytest.raises(NotPermitted):
        services.application_confirm(actor=center, application=application)
