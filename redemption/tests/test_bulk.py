"""Bulk actions over every filtered row: each row through its own service and audit event, refusals per row in
Chinese, nothing else stopped by one refused row."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hangqifu.audit.models import AuditEvent
from hangqifu.core import clock
from hangqifu.core.errors import DomainError
from registration.models import CreditListEntry

from ..models import DistrictPayment, RedemptionClaim
from ..services.bulk import claims_bulk_approve, claims_bulk_pre_review, payments_bulk_confirm
from . import factories
from .factories import deducted_order
from .test_settlement import disbursed, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _submitted(provider, deductions):
    return [factories.submitted_claim(provider, [deducted_order(provider.organisation, amount=str(Decimal(d) * 2),
                                                                deduction=d)]) for d in deductions]


def test_bulk_pre_review_then_approval_each_row_checked_and_audited(now, provider, center, bureau):
    # given three submitted claims that together pass the provider's cap by 0.01
    claims = _submitted(provider, ["250000.00", "250000.00", "0.01"])
    queryset = RedemptionClaim.objects.all()
    # only the service center pre-reviews; the bureau only approves
    with pytest.raises(DomainError):
        claims_bulk_pre_review(actor=bureau, queryset=queryset)
    result = claims_bulk_pre_review(actor=center, queryset=queryset)
    assert sorted(result.done) == sorted(c.pk for c in claims) and not result.skipped
    assert AuditEvent.objects.filter(action="redemption.claim_pre_review").count() == 3
    # when the bureau approves all filtered rows
    with pytest.raises(DomainError):
        claims_bulk_approve(actor=center, queryset=queryset)
    result = claims_bulk_approve(actor=bureau, queryset=queryset)
    # then two fit the cap; the third is skipped with the reason in Chinese
    assert len(result.done) == 2
    [(skipped, reason)] = result.skipped.items()
    assert "超过服务机构年度兑付上限" in reason
    assert RedemptionClaim.objects.get(pk=skipped).state == RedemptionClaim.State.PRE_REVIEWED
    assert AuditEvent.objects.filter(action="redemption.claim_approve").count() == 2
    assert AuditEvent.objects.filter(action="redemption.claims_bulk_approve").count() == 1


def test_bulk_approval_api_reports_per_row(now, provider, center, bureau, api_as):
    _submitted(provider, ["100.00", "200.00"])
    assert api_as(center).post("/api/v1/redemption-claims/bulk-pre-review/", {}, format="json").json()["skipped"] == {}
    response = api_as(bureau).post("/api/v1/redemption-claims/bulk-approve/", {"opinion": "同意"}, format="json")
    assert response.status_code == 200 and len(response.json()["done"]) == 2
    assert api_as(provider).post("/api/v1/redemption-claims/bulk-approve/", {}, format="json").status_code == 403


def test_bulk_payment_confirmation_of_a_district_skips_a_listed_provider(disbursed, world):  # noqa: F811
    officer = factories.district_user("xihu")
    listed = world["users"]["b"].organisation
    CreditListEntry.objects.create(list_kind="judgment_defaulter", credit_code=listed.credit_code,
                                   listed_on=date(2026, 1, 1))
    queryset = DistrictPayment.objects.filter(district="xihu")
    result = payments_bulk_confirm(actor=officer, queryset=queryset, reference="QQB-001", paid_at=clock.now())
    assert len(result.done) == 1 and len(result.skipped) == 1
    paid = DistrictPayment.objects.get(pk=result.done[0])
    assert paid.reference == f"QQB-001-{paid.pk}" and paid.state == "paid"
    assert "失信" in next(iter(result.skipped.values()))
    # other districts' lines are not the officer's to confirm
    assert DistrictPayment.objects.filter(district="binjiang", state="paid").count() == 0
    # again: the paid line is no longer a candidate, the refused one is refused again
    again = payments_bulk_confirm(actor=officer, queryset=queryset, reference="QQB-002", paid_at=clock.now())
    assert again.done == [] and len(again.skipped) == 1


def test_the_district_page_confirms_all_unpaid_lines(disbursed, client):  # noqa: F811
    officer = factories.district_user("xihu")
    client.force_login(officer)
    clock.set_test_clock(clock.now() + timedelta(hours=1), frozen=True)  # the form's minutes: after the signing
    page = client.get("/redemption/payments/")
    assert "批量确认支付" in page.content.decode()
    response = client.post("/redemption/payments/bulk-confirm/", {
        "reference": "QQB-9", "paid_at": timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M"), "state": ""}, follow=True)
    assert "已确认支付 2 件" in response.content.decode()
    assert DistrictPayment.objects.filter(district="xihu", state="paid").count() == 2
