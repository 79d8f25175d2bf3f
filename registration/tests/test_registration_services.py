"""Registration services: each FSM path, the rules that refuse, permissions and "nothing half-saved"."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from hangqifu.accounts.roles import Role
from hangqifu.audit.models import AuditEvent
from hangqifu.core import clock
from hangqifu.core.errors import DomainError, InvalidInput, InvalidTransition, NotPermitted, RuleViolation
from hangqifu.documents.models import Document
from hangqifu.documents.tests.factories import pdf_upload, upload
from hangqifu.notifications.models import Notification
from hangqifu.policy.models import PolicyYear
from registration.models import AboveScaleEntry, CreditListEntry, ParkRecognition, Qualification, RegistrationApplication
from registration.selectors.eligibility import REQUIRED_DOCUMENTS
from registration.services import qualification as qualification_services
from registration.services import registration as services
from registration.services import review as review_services
from registration.tests.factories import fields_for, make_registration, upload_all

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_2026")]
State = RegistrationApplication.State


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def actions_of(registration):
    return list(AuditEvent.objects.filter(object_type="registrationapplication", object_id=str(registration.pk))
                .values_list("action", "from_state", "to_state"))


# --- happy paths --------------------------------------------------------------------------------------

def test_enterprise_path_draft_to_approved_creates_a_tier2_qualification(enterprise, reviewer):
    # given a draft claiming “innovative SME”, with every document of 第九条 and the honour's evidence
    registration = make_registration(enterprise, honours=["innovative_sme"])
    upload_all(enterprise, registration)
    # when it is submitted, pre-reviewed and approved
    services.registration_submit(actor=enterprise, registration=registration)
    review_services.registration_pre_review(actor=reviewer, registration=registration, passed=True, opinion="齐全")
    registration, qualification = review_services.registration_approve(actor=reviewer, registration=registration)
    # then the year's qualification carries the tier-2 quota of the year's policy
    assert registration.state == State.APPROVED
    assert registration.size_class == "small"
    assert (qualification.year, qualification.tier, qualification.quota) == (2026, "tier2", Decimal("10000.00"))
    assert qualification.used == 0 and qualification.remaining == Decimal("10000.00")
    assert qualification.honours == ["innovative_sme"]
    assert [a[0] for a in actions_of(registration) if a[1] or a[2]] == [
        "registration.create", "registration.submit", "registration.pre_review", "registration.approve"]
    assert [(a[1], a[2]) for a in actions_of(registration) if a[1]] == [
        ("draft", "submitted"), ("submitted", "pre_reviewed"), ("pre_reviewed", "approved")]
    subjects = list(Notification.objects.filter(user=enterprise).values_list("subject", flat=True))
    assert any("已提交" in s for s in subjects) and any("通过形式预审" in s for s in subjects)
    assert any("资格已认定" in s for s in subjects)
    assert Notification.objects.filter(user=reviewer, subject__contains="待预审").exists()


def test_quota_comes_from_the_policy_year_not_a_literal(enterprise, reviewer):
    PolicyYear.objects.filter(year=2026).update(quota_default=Decimal("4500.00"))
    registration = make_registration(enterprise, state="approved", reviewer=reviewer)
    assert registration.qualifications.get().quota == Decimal("4500.00")


def test_park_path_default_and_high_star_park_tier3(park_user, reviewer, make_user):
    plain = make_registration(park_user, state="approved", reviewer=reviewer)
    assert plain.qualifications.get().tier == "default"
    assert plain.qualifications.get().quota == Decimal("5000.00")
    starred_user = make_user(role=Role.PARK)
    starred = make_registration(starred_user, state="approved", reviewer=reviewer, honours=["high_star_park"])
    assert (starred.qualifications.get().tier, starred.qualifications.get().quota) == ("tier3", Decimal("20000.00"))


def test_return_then_resubmit_then_approve(enterprise, reviewer):
    registration = make_registration(enterprise, state="submitted")
    review_services.registration_pre_review(actor=reviewer, registration=registration, passed=False,
                                            opinion="营业执照不清晰，请重新上传")
    registration = fresh(registration)
    assert registration.state == State.RETURNED
    assert registration.decision_opinion == "营业执照不清晰，请重新上传"
    assert Notification.objects.filter(user=enterprise, subject__contains="退回").exists()
    # the applicant corrects and resubmits
    services.registration_update(actor=enterprise, registration=registration, employees=60)
    services.registration_submit(actor=enterprise, registration=registration)
    review_services.registration_pre_review(actor=reviewer, registration=registration, passed=True)
    review_services.registration_approve(actor=reviewer, registration=registration)
    registration = fresh(registration)
    assert registration.state == State.APPROVED and registration.employees == 60


def test_return_from_pre_reviewed_and_reject(enterprise, reviewer, make_user):
    registration = make_registration(enterprise, state="pre_reviewed", reviewer=reviewer)
    review_services.registration_return(actor=reviewer, registration=registration, opinion="请补充社保证明")
    registration = fresh(registration)
    assert registration.state == State.RETURNED
    other = make_user(role=Role.ENTERPRISE)
    rejected = make_registration(other, state="submitted")
    review_services.registration_reject(actor=reviewer, registration=rejected, opinion="不属于支持领域")
    rejected = fresh(rejected)
    assert rejected.state == State.REJECTED and not Qualification.objects.filter(organisation=other.organisation)
    assert Notification.objects.filter(user=other, subject__contains="未通过").exists()


def test_a_rejected_organisation_may_apply_again_in_the_same_year(enterprise, reviewer):
    make_registration(enterprise, state="rejected", reviewer=reviewer)
    again = services.registration_create(actor=enterprise, **fields_for(enterprise))
    assert again.state == State.DRAFT


# --- wrong state, wrong role --------------------------------------------------------------------------

def test_actions_in_the_wrong_state_are_invalid_transitions(enterprise, reviewer):
    registration = make_registration(enterprise, state="submitted")
    with pytest.raises(InvalidTransition):
        review_services.registration_approve(actor=reviewer, registration=registration)
    with pytest.raises(InvalidTransition):
        services.registration_submit(actor=enterprise, registration=registration)
    registration = fresh(registration)
    assert registration.state == State.SUBMITTED


def test_wrong_roles_are_refused(enterprise, reviewer, make_user):
    registration = make_registration(enterprise, state="submitted")
    with pytest.raises(NotPermitted):
        review_services.registration_pre_review(actor=enterprise, registration=registration, passed=True)
    with pytest.raises(NotPermitted):
        review_services.registration_reject(actor=make_user(role=Role.BUREAU), registration=registration, opinion="x")
    with pytest.raises(NotPermitted):
        services.registration_create(actor=reviewer, **fields_for(enterprise))
    draft = make_registration(make_user(role=Role.ENTERPRISE))
    with pytest.raises(NotPermitted):
        services.registration_submit(actor=enterprise, registration=draft)
    with pytest.raises(NotPermitted):
        services.registration_document_add(actor=enterprise, registration=draft, kind="business_licence",
                                           uploaded_file=pdf_upload())


def test_return_and_reject_need_an_opinion(enterprise, reviewer):
    registration = make_registration(enterprise, state="submitted")
    for call in (review_services.registration_return, review_services.registration_reject):
        with pytest.raises(InvalidInput) as exc:
            call(actor=reviewer, registration=registration, opinion="  ")
        assert "opinion" in exc.value.fields
    registration = fresh(registration)
    assert registration.state == State.SUBMITTED


# --- bad input: refused, nothing saved ----------------------------------------------------------------

# Malformed input (a bad check digit, a future date, a negative amount, a park's honour) is refused by the parser
# before any service runs: test_registration_api.py::test_malformed_registration_input_is_refused_by_the_parser.
@pytest.mark.parametrize("overrides,error,field", [
    ({"established_on": date(2025, 6, 2)}, RuleViolation, "established_on"),  # under one year
    ({"sector": "other"}, RuleViolation, "sector"),
    ({"employees": 400, "revenue": "200000000.00"}, RuleViolation, "employees"),  # large software company
])
def test_bad_registration_input_is_refused_and_nothing_is_saved(enterprise, overrides, error, field):
    with pytest.raises(error) as exc:
        services.registration_create(actor=enterprise, **fields_for(enterprise, **overrides))
    assert field in exc.value.fields
    if error is RuleViolation:
        assert exc.value.code == "not_eligible"
    assert RegistrationApplication.objects.count() == 0


def test_exactly_one_year_of_operation_is_enough(enterprise):
    registration = services.registration_create(actor=enterprise, **fields_for(enterprise,
                                                                                established_on=date(2025, 6, 1)))
    assert registration.pk


def test_only_the_own_credit_code(enterprise, make_user):
    other = make_user(role=Role.ENTERPRISE)
    with pytest.raises(NotPermitted):
        services.registration_create(actor=enterprise, **fields_for(enterprise,
                                                                    credit_code=other.organisation.credit_code))
    assert RegistrationApplication.objects.count() == 0


def test_duplicate_registration_for_code_and_year_is_refused(enterprise):
    services.registration_create(actor=enterprise, **fields_for(enterprise))
    with pytest.raises(RuleViolation) as exc:
        services.registration_create(actor=enterprise, **fields_for(enterprise))
    assert exc.value.code == "duplicate_registration"
    assert RegistrationApplication.objects.count() == 1


def test_the_database_refuses_a_duplicate_even_without_the_service(enterprise):
    first = services.registration_create(actor=enterprise, **fields_for(enterprise))
    with pytest.raises(IntegrityError), transaction.atomic():
        RegistrationApplication.objects.create(organisation=first.organisation, year=2026, kind="enterprise",
                                               name="x", credit_code=first.credit_code)


def test_submit_with_a_missing_document_is_refused_and_stays_draft(enterprise):
    registration = make_registration(enterprise, honours=["innovative_sme"])
    upload_all(enterprise, registration, skip={"social_insurance_proof"})
    services.registration_update(actor=enterprise, registration=registration, honours=["innovative_sme"])
    with pytest.raises(DomainError) as exc:
        services.registration_submit(actor=enterprise, registration=registration)
    assert exc.value.code == "invalid_document"
    assert any("社会保险" in m for m in exc.value.fields["documents"])
    registration = fresh(registration)
    assert registration.state == State.DRAFT and registration.submitted_at is None


def test_honour_evidence_is_needed_per_claimed_honour(enterprise):
    registration = make_registration(enterprise, honours=["innovative_sme", "provincial_srdi"])
    upload_all(enterprise, registration)
    services.registration_update(actor=enterprise, registration=registration,
                                 honours=["innovative_sme", "provincial_srdi", "national_little_giant"])
    with pytest.raises(DomainError) as exc:
        services.registration_submit(actor=enterprise, registration=registration)
    assert exc.value.fields["documents"] == ["荣誉称号证明材料（国家专精特新“小巨人”企业）"]


def test_a_wrong_file_type_is_refused_and_nothing_is_stored(enterprise):
    registration = make_registration(enterprise)
    with pytest.raises(DomainError) as exc:
        services.registration_document_add(actor=enterprise, registration=registration, kind="business_licence",
                                           uploaded_file=upload("licence.pdf", b"<html>not a pdf</html>"))
    assert exc.value.code == "invalid_document"
    with pytest.raises(DomainError):
        services.registration_document_add(actor=enterprise, registration=registration, kind="park_operator_proof",
                                           uploaded_file=pdf_upload())
    assert Document.objects.count() == 0


# --- pre-review checklist and overrides ---------------------------------------------------------------

def test_a_listed_enterprise_fails_pre_review_and_no_override_lifts_it_only_a_delisting(enterprise, reviewer):
    from registration.services.credit_lists import credit_delisting_record

    registration = make_registration(enterprise, state="submitted")
    entry = CreditListEntry.objects.create(list_kind="judgment_defaulter", credit_code=registration.credit_code,
                                           listed_on=date(2026, 1, 1))
    with pytest.raises(RuleViolation) as exc:
        review_services.registration_pre_review(actor=reviewer, registration=registration, passed=True)
    assert exc.value.code == "not_eligible" and "credit_lists" in exc.value.fields
    # a free-text override of a list hit is refused, whatever the reason says
    with pytest.raises(InvalidInput) as exc:
        review_services.registration_pre_review(actor=reviewer, registration=registration, passed=True,
                                                overrides={"credit_lists": {"passed": True, "reason": "法院已出具履行完毕证明"}})
    assert "credit_lists" in exc.value.fields["overrides"]
    assert fresh(registration).state == State.SUBMITTED
    # the documented delisting (信用修复, with its evidence) is what lets the pre-review pass
    credit_delisting_record(actor=reviewer, entry_id=entry.pk, reason="法院已出具履行完毕证明", evidence=pdf_upload())
    review_services.registration_pre_review(actor=reviewer, registration=fresh(registration), passed=True)
    item = next(i for i in fresh(registration).checklist if i["key"] == "credit_lists")
    assert item["passed"] and not item["overridden"]


def test_a_party_listed_after_pre_review_cannot_be_approved(enterprise, reviewer):
    registration = make_registration(enterprise, state="submitted")
    review_services.registration_pre_review(actor=reviewer, registration=registration, passed=True)
    CreditListEntry.objects.create(list_kind="severe_dishonesty", credit_code=registration.credit_code,
                                   listed_on=clock.today())
    with pytest.raises(RuleViolation) as exc:
        review_services.registration_approve(actor=reviewer, registration=fresh(registration))
    assert exc.value.code == "credit_listed" and "第六条" in exc.value.detail
    assert not Qualification.objects.exists()


def test_unrecognised_park_fails_the_checklist(park_user, reviewer):
    registration = make_registration(park_user, state="submitted")
    # the helper recognised the park; now the recognition lapses before the pre-review
    ParkRecognition.objects.update(valid_until=date(2026, 5, 31))
    with pytest.raises(RuleViolation) as exc:
        review_services.registration_pre_review(actor=reviewer, registration=registration, passed=True)
    assert "park_recognition" in exc.value.fields


# --- honours confirmed by staff -----------------------------------------------------------------------

def test_new_above_scale_needs_the_statistics_list(enterprise, reviewer):
    registration = make_registration(enterprise, state="pre_reviewed", reviewer=reviewer,
                                     honours=["new_above_scale"])
    with pytest.raises(RuleViolation) as exc:
        review_services.registration_approve(actor=reviewer, registration=registration)
    assert exc.value.code == "not_eligible"
    registration = fresh(registration)
    assert registration.state == State.PRE_REVIEWED and not Qualification.objects.exists()
    AboveScaleEntry.objects.create(year=2025, credit_code=registration.credit_code)
    _, qualification = review_services.registration_approve(actor=reviewer, registration=registration)
    assert qualification.tier == "tier2"


def test_staff_confirm_fewer_honours_than_claimed(enterprise, reviewer):
    registration = make_registration(enterprise, state="pre_reviewed", reviewer=reviewer,
                                     honours=["provincial_srdi", "innovative_sme"])
    _, qualification = review_services.registration_approve(actor=reviewer, registration=registration,
                                                            confirmed_honours=["innovative_sme"])
    assert (qualification.tier, qualification.quota, qualification.honours) == ("tier2", Decimal("10000.00"),
                                                                                ["innovative_sme"])


def test_unclaimed_honours_cannot_be_confirmed(enterprise, reviewer):
    registration = make_registration(enterprise, state="pre_reviewed", reviewer=reviewer)
    with pytest.raises(InvalidInput):
        review_services.registration_approve(actor=reviewer, registration=registration,
                                             confirmed_honours=["national_little_giant"])


# --- qualification measures ---------------------------------------------------------------------------

def test_suspend_reinstate_revoke_are_audited_and_notified(enterprise, reviewer):
    qualification = make_registration(enterprise, state="approved", reviewer=reviewer).qualifications.get()
    qualification_services.qualification_suspend(actor=reviewer, qualification=qualification,
                                                  reason="规模变化逾期未报告")
    qualification = fresh(qualification)
    assert qualification.state == "suspended"
    qualification_services.qualification_reinstate(actor=reviewer, qualification=qualification, reason="已补报")
    qualification_services.qualification_revoke(actor=reviewer, qualification=qualification, reason="虚假申报")
    qualification = fresh(qualification)
    assert qualification.state == "revoked" and qualification.state_reason == "虚假申报"
    events = list(AuditEvent.objects.filter(object_type="qualification", object_id=str(qualification.pk))
                  .values_list("action", "from_state", "to_state"))
    assert events[1:] == [("qualification.suspend", "active", "suspended"),
                          ("qualification.reinstate", "suspended", "active"),
                          ("qualification.revoke", "active", "revoked")]
    assert Notification.objects.filter(user=enterprise, subject__contains="已撤销").exists()
    with pytest.raises(InvalidTransition):
        qualification_services.qualification_reinstate(actor=reviewer, qualification=qualification, reason="x")
    with pytest.raises(NotPermitted):
        qualification_services.qualification_suspend(actor=enterprise, qualification=qualification, reason="x")


def test_a_reason_is_required(enterprise, reviewer):
    qualification = make_registration(enterprise, state="approved", reviewer=reviewer).qualifications.get()
    with pytest.raises(InvalidInput):
        qualification_services.qualification_suspend(actor=reviewer, qualification=qualification, reason="")
    qualification = fresh(qualification)
    assert qualification.state == "active"


def test_the_database_keeps_used_within_quota(enterprise, reviewer):
    qualification = make_registration(enterprise, state="approved", reviewer=reviewer).qualifications.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Qualification.objects.filter(pk=qualification.pk).update(used=qualification.quota + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Qualification.objects.filter(pk=qualification.pk).update(used=-1)


def test_a_decision_in_the_next_year_qualifies_for_the_current_year(enterprise, reviewer, set_clock):
    set_clock("2026-12-28T10:00:00+08:00")
    registration = make_registration(enterprise, state="pre_reviewed", reviewer=reviewer)
    PolicyYear.objects.filter(year=2027).update(quota_default=Decimal("4500.00"))
    set_clock("2027-01-05T10:00:00+08:00")
    _, qualification = review_services.registration_approve(actor=reviewer, registration=registration)
    assert (registration.year, qualification.year, qualification.quota) == (2026, 2027, Decimal("4500.00"))


def test_a_sanctioned_organisation_cannot_submit_or_be_approved(enterprise, reviewer, make_user):
    from sanctions.services import sanction_impose

    pre_reviewed = make_registration(enterprise, state="pre_reviewed", reviewer=reviewer)
    sanction_impose(actor=make_user(role=Role.BUREAU), organisation=enterprise.organisation, reason="虚假交易套取资金")
    with pytest.raises(RuleViolation) as exc:
        review_services.registration_approve(actor=reviewer, registration=pre_reviewed)
    assert exc.value.code == "banned" and not Qualification.objects.exists()
    other = make_user(role=Role.ENTERPRISE)
    draft = make_registration(other)
    upload_all(other, draft)
    sanction_impose(actor=make_user(role=Role.BUREAU), organisation=other.organisation, reason="串通套现")
    with pytest.raises(RuleViolation):
        services.registration_submit(actor=other, registration=draft)
    assert fresh(draft).state == State.DRAFT


def test_the_applicant_replaces_a_document_before_submitting_but_not_after(enterprise):
    registration = make_registration(enterprise, honours=["innovative_sme"])
    upload_all(enterprise, registration)
    registration = fresh(registration)
    evidence_id = registration.honour_evidence["innovative_sme"][0]
    services.registration_document_remove(actor=enterprise, registration=registration, document_id=evidence_id)
    registration = fresh(registration)
    assert registration.honour_evidence == {"innovative_sme": []}
    assert not Document.objects.filter(pk=evidence_id).exists()
    upload_all(enterprise, registration, skip=set(REQUIRED_DOCUMENTS["enterprise"]))
    services.registration_submit(actor=enterprise, registration=registration)
    with pytest.raises(InvalidTransition):
        services.registration_document_remove(actor=enterprise, registration=registration,
                                              document_id=Document.objects.first().pk)
