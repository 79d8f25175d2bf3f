"""第六条: a listed party is excluded at every moment — approval, claim, order, deduction, payment — against the
lists in force that day; a list import suspends what it hits (vouchers frozen); only a documented delisting
lifts it."""
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hangqifu.accounts.roles import Role
from hangqifu.audit.models import AuditEvent
from hangqifu.core import clock
from hangqifu.core.choices import ServiceCategory
from hangqifu.core.errors import DomainError, InvalidInput, RuleViolation
from hangqifu.notifications.models import Notification
from providers.models import ProviderProfile
from registration.jobs import credit_list_suspensions
from registration.models import CreditListEntry, Qualification
from registration.selectors import eligibility
from registration.services import imports
from registration.services.credit_lists import credit_delisting_record
from registration.services.qualification import qualification_reinstate
from vouchers.models import Voucher
from vouchers.services import voucher_claims
from vouchers.services.deductions import deduction_apply

from .money_factories import claimed_voucher, open_batch, order_in_state, pdf_file, provider_user, qualified_buyer

pytestmark = pytest.mark.django_db
CODE = "91330106MA0000001X"


def _csv(code, listed_on, removed_on=""):
    text = f"统一社会信用代码,名称,列入日期,移出日期\n{code},某公司,{listed_on},{removed_on}\n"
    return SimpleUploadedFile("名单.csv", text.encode())


@pytest.fixture
def world(set_clock, make_user):
    set_clock("2026-06-01T09:00:00+08:00")
    batch = open_batch(types=((ServiceCategory.DIGITAL_EMPOWERMENT, "1000.00", 10),))
    buyer = qualified_buyer(quota="5000.00")
    provider = provider_user()
    voucher = claimed_voucher(buyer, batch)
    order = order_in_state(buyer, provider, "rated", amount="2000.00")
    return {"batch": batch, "buyer": buyer, "provider": provider, "voucher": voucher, "order": order,
            "center": make_user(role=Role.SERVICE_CENTER)}


def _import(center, code, listed_on, removed_on=""):
    return imports.import_credit_list(actor=center, list_kind="judgment_defaulter",
                                      uploaded_file=_csv(code, listed_on, removed_on))


# --- the predicate at its boundaries -------------------------------------------------------------------

def test_listed_from_the_listing_day_until_the_day_before_removal():
    CreditListEntry.objects.create(list_kind="severe_dishonesty", credit_code=CODE, listed_on=date(2026, 7, 1),
                                   removed_on=date(2026, 9, 1))
    assert not eligibility.is_listed(CODE, date(2026, 6, 30))
    assert eligibility.is_listed(CODE, date(2026, 7, 1))
    assert eligibility.is_listed(CODE, date(2026, 8, 31))
    assert not eligibility.is_listed(CODE, date(2026, 9, 1))
    assert not eligibility.is_listed("", date(2026, 8, 1)) and not eligibility.is_listed(None, date(2026, 8, 1))


# --- import: suspension, frozen vouchers, refusals; delisting: restored ----------------------------------

def test_import_suspends_the_holder_and_the_provider_and_freezes_without_voiding(world):
    buyer, provider, center = world["buyer"], world["provider"], world["center"]
    result = _import(center, buyer.organisation.credit_code, "2026-05-25")
    _import(center, provider.organisation.credit_code, "2026-05-20")
    assert result["suspended_qualifications"] == 1
    qualification = Qualification.objects.get(organisation=buyer.organisation)
    assert (qualification.state, qualification.suspension_cause) == ("suspended", "credit_list")
    voucher = Voucher.objects.get(pk=world["voucher"].pk)
    assert (voucher.state, voucher.balance, voucher.is_frozen) == ("live", Decimal("1000.00"), True)
    assert qualification.reserved == Decimal("1000.00")
    assert ProviderProfile.objects.get(organisation=provider.organisation).state == "suspended"
    assert AuditEvent.objects.filter(action="reference.credit_list_suspend").count() == 2
    assert AuditEvent.objects.filter(action="qualification.suspend", object_id=str(qualification.pk)).exists()
    assert Notification.objects.filter(user__organisation=buyer.organisation,
                                       subject__contains="资格已暂停").exists()
    assert Notification.objects.filter(user__organisation=provider.organisation,
                                       subject__contains="入驻资格已暂停").exists()
    # claim refused (frozen qualification), deduction refused with the frozen voucher named
    with pytest.raises(RuleViolation) as exc:
        voucher_claims.voucher_claim(actor=buyer, batch_id=world["batch"].pk,
                             voucher_type_id=world["batch"].voucher_types.first().pk)
    assert exc.value.code == "not_eligible"
    with pytest.raises(RuleViolation) as exc:
        deduction_apply(actor=buyer, order_id=world["order"].pk, voucher_id=voucher.pk, amount="500.00",
                        declares_no_other_subsidy=True)
    assert exc.value.code == "credit_listed" and "失信被执行人名单" in exc.value.detail
    # staff cannot reinstate a list suspension by hand
    with pytest.raises(RuleViolation) as exc:
        qualification_reinstate(actor=center, qualification=qualification, reason="已核实")
    assert exc.value.code == "credit_listed"


def test_a_documented_delisting_restores_the_frozen_vouchers_and_the_admission(world):
    buyer, provider, center = world["buyer"], world["provider"], world["center"]
    _import(center, buyer.organisation.credit_code, "2026-05-25")
    _import(center, provider.organisation.credit_code, "2026-05-20")
    entry = CreditListEntry.objects.get(credit_code=buyer.organisation.credit_code)
    with pytest.raises(InvalidInput) as exc:
        credit_delisting_record(actor=center, entry_id=entry.pk, reason="", evidence=None)
    assert set(exc.value.fields) == {"reason", "evidence"}
    with pytest.raises(DomainError):
        credit_delisting_record(actor=buyer, entry_id=entry.pk, reason="自称已修复", evidence=pdf_file())
    credit_delisting_record(actor=center, entry_id=entry.pk, reason="法院结案证明（2026）浙0106执1号",
                            evidence=pdf_file("结案证明.pdf"))
    for other in CreditListEntry.objects.filter(credit_code=provider.organisation.credit_code):
        credit_delisting_record(actor=center, entry_id=other.pk, reason="信用中国移出公告", evidence=pdf_file())
    qualification = Qualification.objects.get(organisation=buyer.organisation)
    assert (qualification.state, qualification.suspension_cause) == ("active", "")
    assert ProviderProfile.objects.get(organisation=provider.organisation).state == "admitted"
    assert AuditEvent.objects.filter(action="reference.credit_delisting").count() == 2
    deduction = deduction_apply(actor=buyer, order_id=world["order"].pk, voucher_id=world["voucher"].pk,
                                amount="500.00", declares_no_other_subsidy=True)
    assert deduction.amount == Decimal("500.00")


def test_a_reimport_does_not_undo_a_delisting(world):
    center, code = world["center"], world["buyer"].organisation.credit_code
    _import(center, code, "2026-05-25")
    entry = CreditListEntry.objects.get(credit_code=code)
    credit_delisting_record(actor=center, entry_id=entry.pk, reason="信用修复", evidence=pdf_file())
    result = _import(center, code, "2026-05-25")  # the same file again: no removal date in it
    assert CreditListEntry.objects.get(pk=entry.pk).removed_on == clock.today()
    assert result["suspended_qualifications"] == 0
    assert Qualification.objects.get(organisation=world["buyer"].organisation).state == "active"


def test_an_entry_listed_from_a_later_day_suspends_on_that_day(world, set_clock):
    center, buyer = world["center"], world["buyer"]
    assert _import(center, buyer.organisation.credit_code, "2026-06-02")["suspended_qualifications"] == 0
    assert credit_list_suspensions()["suspended_qualifications"] == 0  # the day before
    set_clock("2026-06-02T00:10:00+08:00")
    assert credit_list_suspensions()["suspended_qualifications"] == 1
    assert credit_list_suspensions()["suspended_qualifications"] == 0  # idempotent


# --- each moment checks the lists of that day, even without a suspension ----------------------------------

def test_listed_after_approval_cannot_claim_order_or_deduct(world):
    buyer = world["buyer"]
    # listed without an import's suspension (e.g. an entry written directly): the checks still refuse
    CreditListEntry.objects.create(list_kind="severe_dishonesty", credit_code=buyer.organisation.credit_code,
                                   listed_on=clock.today())
    with pytest.raises(RuleViolation) as exc:
        voucher_claims.voucher_claim(actor=buyer, batch_id=world["batch"].pk,
                             voucher_type_id=world["batch"].voucher_types.first().pk)
    assert exc.value.code == "credit_listed"
    with pytest.raises(RuleViolation) as exc:
        order_in_state(buyer, world["provider"], "signed", amount="100.00")
    assert exc.value.code == "credit_listed"
    with pytest.raises(RuleViolation) as exc:
        deduction_apply(actor=buyer, order_id=world["order"].pk, voucher_id=world["voucher"].pk, amount="1.00",
                        declares_no_other_subsidy=True)
    assert exc.value.code == "credit_listed"


def test_the_day_before_listing_still_claims(world):
    buyer = world["buyer"]
    CreditListEntry.objects.create(list_kind="severe_dishonesty", credit_code=buyer.organisation.credit_code,
                                   listed_on=clock.today() + timedelta(days=1))
    assert voucher_claims.voucher_claim(actor=buyer, batch_id=world["batch"].pk,
                                voucher_type_id=world["batch"].voucher_types.first().pk).state == "live"


def test_the_statements_refuse_a_listed_buyer_even_when_the_python_check_is_skipped(world):
    buyer = world["buyer"]
    CreditListEntry.objects.create(list_kind="severe_dishonesty", credit_code=buyer.organisation.credit_code,
                                   listed_on=clock.today())
    skip = mock.patch("vouchers.services.voucher_claims.assert_buyer_in_programme", side_effect=[None, RuleViolation(
        "listed", code="credit_listed")])
    with skip, pytest.raises(RuleViolation) as exc:
        voucher_claims.voucher_claim(actor=buyer, batch_id=world["batch"].pk,
                             voucher_type_id=world["batch"].voucher_types.first().pk)
    assert exc.value.code == "credit_listed"  # raised only after the UPDATE took nothing
    assert Voucher.objects.filter(organisation=buyer.organisation).count() == 1
    with mock.patch("vouchers.services.deductions.assert_buyer_in_programme"), pytest.raises(RuleViolation):
        deduction_apply(actor=buyer, order_id=world["order"].pk, voucher_id=world["voucher"].pk, amount="1.00",
                        declares_no_other_subsidy=True)
    assert Voucher.objects.get(pk=world["voucher"].pk).balance == Decimal("1000.00")


# --- API ----------------------------------------------------------------------------------------------

def test_staff_list_entries_and_record_a_delisting_through_the_api(world, api_as, django_assert_max_num_queries):
    center, buyer = world["center"], world["buyer"]
    _import(center, buyer.organisation.credit_code, "2026-05-25")
    CreditListEntry.objects.bulk_create([CreditListEntry(list_kind="severe_dishonesty", credit_code=f"91330106MA00{i:05d}X",
                                                         listed_on=date(2026, 1, 1)) for i in range(30)])
    client = api_as(center)
    with django_assert_max_num_queries(8):
        listed = client.get("/api/v1/credit-list-entries/", {"in_force": "true"})
    assert listed.status_code == 200 and listed.json()["count"] == 31
    entry = CreditListEntry.objects.get(credit_code=buyer.organisation.credit_code)
    assert api_as(buyer).get("/api/v1/credit-list-entries/").status_code == 403
    assert api_as(buyer).post(f"/api/v1/credit-list-entries/{entry.pk}/delist/",
                              {"reason": "x", "evidence": pdf_file()}, format="multipart").status_code == 403
    missing = client.post(f"/api/v1/credit-list-entries/{entry.pk}/delist/", {"reason": ""}, format="multipart")
    assert missing.status_code == 400
    response = client.post(f"/api/v1/credit-list-entries/{entry.pk}/delist/",
                           {"reason": "法院结案证明", "evidence": pdf_file()}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["listed_today"] is False and response.json()["entry"]["in_force"] is False
    assert Qualification.objects.get(organisation=buyer.organisation).state == "active"
    claim = api_as(buyer).post(f"/api/v1/batches/{world['batch'].pk}/claim/",
                               {"voucher_type": world["batch"].voucher_types.first().pk}, format="json")
    assert claim.status_code == 201
