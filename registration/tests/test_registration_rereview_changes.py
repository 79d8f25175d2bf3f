"""Annual re-review (opening job, holder confirms, bulk approval), change reports with the working-day
deadline, and the Excel/CSV imports of the reference lists."""
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hangqifu.accounts.roles import Role
from hangqifu.core import jobs
from hangqifu.core.errors import DomainError, InvalidInput, NotPermitted
from hangqifu.documents.tests.factories import pdf_upload
from registration.models import (AboveScaleEntry, ChangeReport, CreditListEntry, ParkRecognition, Qualification,
                             RegistrationApplication)
from registration.services import change_reports as change_services
from registration.services import imports
from registration.services import registration as services
from registration.services.rereview import rereview_bulk_approve, rereview_open
from registration.tests.factories import fields_for, make_registration, upload_all

pytestmark = pytest.mark.django_db


# --- re-review -----------------------------------------------------------------------------------------

@pytest.fixture
def holders(clock_2026, make_user, reviewer):
    """Two enterprises with approved 2026 qualifications, one of them suspended."""
    from registration.services.qualification import qualification_suspend

    first, second = make_user(role=Role.ENTERPRISE), make_user(role=Role.ENTERPRISE)
    for user in (first, second):
        make_registration(user, state="approved", reviewer=reviewer, honours=["innovative_sme"])
    qualification_suspend(actor=reviewer, qualification=Qualification.objects.get(organisation=second.organisation),
                          reason="核查中")
    return first, second


def test_rereview_opens_on_the_policy_date_for_active_holders_once(holders, set_clock):
    first, second = holders
    # before the configured date (1 December): nothing
    set_clock("2026-11-30T23:00:00+08:00")
    assert jobs.run_due_jobs()["vouchers.rereview_open"]["opened"] == 0
    # on it: one draft for next year per active holder, data copied; running again changes nothing
    set_clock("2026-12-01T08:00:00+08:00")
    assert jobs.run_due_jobs()["vouchers.rereview_open"]["opened"] == 1
    assert rereview_open()["opened"] == 0
    rereview = RegistrationApplication.objects.get(year=2027)
    assert rereview.organisation == first.organisation and rereview.purpose == "rereview"
    assert rereview.state == "draft" and rereview.honours == ["innovative_sme"] and rereview.employees == 50
    assert rereview.previous_qualification.year == 2026
    assert not RegistrationApplication.objects.filter(year=2027, organisation=second.organisation).exists()


def _submit_rereview(user, registration, **changes):
    if changes:
        services.registration_update(actor=user, registration=registration, **changes)
    # the business licence carries over from last year; the yearly proofs are new
    upload_all(user, registration, skip={"business_licence"})
    services.registration_submit(actor=user, registration=registration)


def test_holder_confirms_or_updates_and_staff_approve_in_bulk(holders, set_clock, reviewer, make_user):
    first, _ = holders
    third = make_user(role=Role.ENTERPRISE)
    make_registration(third, state="approved", reviewer=reviewer)
    set_clock("2026-12-02T09:00:00+08:00")
    rereview_open()
    mine = RegistrationApplication.objects.get(year=2027, organisation=first.organisation)
    theirs = RegistrationApplication.objects.get(year=2027, organisation=third.organisation)
    _submit_rereview(first, mine, employees=120, revenue=Decimal("12000000.00"))  # updates: now medium-sized
    _submit_rereview(third, theirs)                # confirms unchanged
    CreditListEntry.objects.create(list_kind="severe_dishonesty", credit_code=theirs.credit_code,
                                   listed_on=date(2026, 11, 1))
    # when staff approve all filtered re-reviews at once
    result = rereview_bulk_approve(actor=reviewer, queryset=RegistrationApplication.objects.all())
    # then the eligible one has next year's qualification, the listed one is skipped with the reason
    assert result.approved == [mine.pk]
    assert "失信" in result.skipped[theirs.pk]
    q2027 = Qualification.objects.get(organisation=first.organisation, year=2027)
    assert (q2027.tier, q2027.quota, q2027.state) == ("tier2", Decimal("10000.00"), "active")
    assert RegistrationApplication.objects.get(pk=mine.pk).size_class == "medium"
    assert RegistrationApplication.objects.get(pk=theirs.pk).state == "submitted"
    with pytest.raises(NotPermitted):
        rereview_bulk_approve(actor=first, queryset=RegistrationApplication.objects.all())


def test_bulk_rereview_through_the_api_covers_every_filtered_row_not_one_page(clock_2026, set_clock, reviewer,
                                                                               make_user, api_as):
    users = [make_user(role=Role.ENTERPRISE) for _ in range(21)]
    for user in users:
        Qualification.objects.create(organisation=user.organisation, year=2026, kind="enterprise",
                                     quota=Decimal("5000.00"))
    set_clock("2026-12-01T09:00:00+08:00")
    assert rereview_open()["opened"] == 21
    for user in users:
        registration = RegistrationApplication.objects.get(organisation=user.organisation, year=2027)
        data = {k: v for k, v in fields_for(user).items() if k not in ("kind", "credit_code")}
        services.registration_update(actor=user, registration=registration, **data)
        upload_all(user, registration)
        services.registration_submit(actor=user, registration=registration)
    response = api_as(reviewer).post("/api/v1/registrations/rereview-bulk-approve/", {"year": 2027}, format="json")
    assert response.status_code == 200, response.json()
    assert len(response.json()["approved"]) == 21
    assert Qualification.objects.filter(year=2027, state="active").count() == 21
    assert api_as(users[0]).post("/api/v1/registrations/rereview-bulk-approve/", {}, format="json").status_code == 403


# --- change reports ------------------------------------------------------------------------------------

@pytest.fixture
def holder(clock_2026, enterprise, reviewer):
    make_registration(enterprise, state="approved", reviewer=reviewer)
    return enterprise


def _report(user, change_date, **kwargs):
    return change_services.change_report_create(
        actor=user, change_kind=kwargs.pop("change_kind", "major_change"), change_date=change_date,
        description="主营业务调整", evidence=kwargs.pop("evidence", pdf_upload("证明.pdf")), **kwargs)


def test_deadline_is_15_working_days_across_the_national_day_holiday(holder, set_clock):
    # Thursday 24 Sep 2026: Mid-autumn (25–27 Sep) and National Day (1–7 Oct) are off, Sat 10 Oct is worked
    set_clock("2026-10-22T17:00:00+08:00")
    report = _report(holder, date(2026, 9, 24))
    assert report.deadline == date(2026, 10, 22)   # Monday–Friday counting would give 15 Oct
    assert not report.deadline_provisional and not report.is_late
    set_clock("2026-10-23T09:00:00+08:00")
    late = _report(holder, date(2026, 9, 24), change_kind="size_reclassification", new_size_class="medium")
    assert late.is_late
    assert ChangeReport.objects.filter(is_late=True).count() == 1


def test_deadline_in_a_year_without_the_official_schedule_is_provisional(holder, set_clock):
    set_clock("2027-03-01T09:00:00+08:00")
    report = _report(holder, date(2027, 2, 1))  # the 15 working days run across 春节 2027's bridge days
    assert report.deadline_provisional and report.deadline == date(2027, 3, 2)


def test_change_report_bad_input_and_wrong_roles(holder, reviewer, make_user):
    with pytest.raises(InvalidInput) as exc:
        _report(holder, date(2026, 6, 2))
    assert "change_date" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        _report(holder, date(2026, 5, 1), evidence=None)
    assert "evidence" in exc.value.fields
    with pytest.raises(InvalidInput):
        _report(holder, date(2026, 5, 1), change_kind="size_reclassification")
    with pytest.raises(DomainError) as exc:
        _report(holder, date(2026, 5, 1), evidence=SimpleUploadedFile("x.pdf", b"MZ\x90\x00"))
    assert exc.value.code == "invalid_document"
    with pytest.raises(NotPermitted):
        _report(reviewer, date(2026, 5, 1))
    with pytest.raises(DomainError) as exc:
        _report(make_user(role=Role.ENTERPRISE), date(2026, 5, 1))
    assert exc.value.code == "not_eligible"
    assert ChangeReport.objects.count() == 0


def test_staff_review_a_change_report(holder, reviewer):
    report = _report(holder, date(2026, 5, 20))
    change_services.change_report_review(actor=reviewer, report=report, opinion="已核实，规模未变")
    assert ChangeReport.objects.get(pk=report.pk).state == "reviewed"


# --- imports -------------------------------------------------------------------------------------------



def _codes():
    from hangqifu.accounts.validators import make_credit_code

    return make_credit_code("91330106MA2H00011"), make_credit_code("91330110MA2H00012")


def _xlsx(rows):
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("名单.xlsx", buffer.getvalue())


def test_import_dishonesty_list_from_excel_and_csv(clock_2026, reviewer):
    a, b = _codes()
    result = imports.import_credit_list(actor=reviewer, list_kind="severe_dishonesty", uploaded_file=_xlsx([
        ["统一社会信用代码", "名称", "列入日期", "移出日期"], [a, "甲公司", date(2025, 3, 1), None]]))
    assert result == {"rows": 1, "created": 1, "updated": 0, "suspended_qualifications": 0, "suspended_providers": 0}
    csv_file = SimpleUploadedFile("list.csv", f"统一社会信用代码,名称,列入日期\n{b},乙公司,2026/01/05\n".encode("gbk"))
    imports.import_credit_list(actor=reviewer, list_kind="judgment_defaulter", uploaded_file=csv_file)
    assert set(CreditListEntry.objects.values_list("credit_code", "list_kind")) == {
        (a, "severe_dishonesty"), (b, "judgment_defaulter")}


def test_one_bad_row_imports_nothing_and_names_the_row(clock_2026, reviewer):
    a, _ = _codes()
    with pytest.raises(InvalidInput) as exc:
        imports.import_credit_list(actor=reviewer, list_kind="severe_dishonesty", uploaded_file=_xlsx([
            ["统一社会信用代码", "名称", "列入日期"], [a, "甲", "2025-01-01"], ["123", "乙", "2025-01-01"],
            [a, "丙", "昨天"]]))
    assert exc.value.fields["file"][0].startswith("第 3 行") and "第 4 行" in exc.value.fields["file"][1]
    assert CreditListEntry.objects.count() == 0
    with pytest.raises(NotPermitted):
        imports.import_credit_list(actor=None, list_kind="severe_dishonesty", uploaded_file=_xlsx([["x"]]))


def test_import_parks_and_above_scale(clock_2026, reviewer):
    a, b = _codes()
    imports.import_park_recognitions(actor=reviewer, uploaded_file=_xlsx([
        ["运营主体统一社会信用代码", "园区名称", "认定日期", "有效期至"], [a, "甲园", "2024-01-01", "2026-12-31"]]))
    assert ParkRecognition.objects.get().park_name == "甲园"
    imports.import_above_scale(actor=reviewer, year=2025, uploaded_file=SimpleUploadedFile(
        "above.csv", f"统一社会信用代码,企业名称\n{b},乙\n".encode()))
    assert AboveScaleEntry.objects.get().year == 2025
