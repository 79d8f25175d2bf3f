"""第十二条: Σ approved redemptions of a provider in a year ≤ the cap, kept by the database."""
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from hangqifu.core.errors import DomainError
from hangqifu.policy.models import PolicyYear

from ..models import ProviderYearCap, RedemptionClaim
from ..services import redemption_claims as services
from ..services.cap import cap_status
from . import factories
from .factories import deducted_order


def _pre_reviewed(provider, center, deductions):
    claims = []
    for deduction in deductions:
        amount = str(Decimal(deduction) * 2)
        claim = factories.submitted_claim(provider, [deducted_order(provider.organisation, amount=amount,
                                                                    deduction=deduction)])
        claims.append(services.claim_pre_review(claim=claim, actor=center, passed=True, opinion=""))
    return claims


@pytest.mark.django_db
def test_cap_at_its_boundary(now, provider, center, bureau):
    # given the year's cap of 500,000 (policy parameter) and three claims: 250,000 + 250,000 + 0.01
    assert PolicyYear.objects.get(year=2026).provider_annual_cap == Decimal("500000.00")
    first, second, third = _pre_reviewed(provider, center, ["250000.00", "250000.00", "0.01"])
    # when the bureau approves all three
    services.claim_approve(claim=first, actor=bureau)
    services.claim_approve(claim=second, actor=bureau)
    with pytest.raises(DomainError) as refused:
        services.claim_approve(claim=third, actor=bureau)
    # then the cap is reached exactly and the 0.01 beyond it is refused
    assert refused.value.code == "provider_cap_exceeded"
    assert "剩余 0.00 元" in refused.value.detail
    assert RedemptionClaim.objects.get(pk=third.pk).state == RedemptionClaim.State.PRE_REVIEWED
    status = cap_status(provider=provider.organisation)
    assert (status.used, status.remaining) == (Decimal("500000.00"), Decimal("0.00"))
    # and a new claim is refused before it is even filed
    with pytest.raises(DomainError) as refused:
        services.claim_create(actor=provider, lines=[factories.line_for(
            deducted_order(provider.organisation, amount="2.00", deduction="1.00"))])
    assert refused.value.code == "provider_cap_exceeded"


@pytest.mark.django_db
def test_database_check_keeps_the_counter_within_the_cap(now, provider):
    counter = ProviderYearCap.objects.create(provider=provider.organisation, year=2026, cap=Decimal("500000.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderYearCap.objects.filter(pk=counter.pk).update(approved=Decimal("500000.01"))


@pytest.mark.django_db
def test_lowered_cap_applies_to_later_approvals(now, provider, center, bureau):
    first, second = _pre_reviewed(provider, center, ["3000.00", "3000.00"])
    services.claim_approve(claim=first, actor=bureau)
    PolicyYear.objects.filter(year=2026).update(provider_annual_cap=Decimal("5000.00"))
    with pytest.raises(DomainError) as refused:
        services.claim_approve(claim=second, actor=bureau)
    assert refused.value.code == "provider_cap_exceeded"
    assert ProviderYearCap.objects.get(provider=provider.organisation).approved == Decimal("3000.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_never_pass_the_cap(policy_years, now, provider, center, make_user):
    # given five pre-reviewed claims of 200,000 each (1,000,000 against a 500,000 cap)
    from hangqifu.accounts.roles import Role

    claims = _pre_reviewed(provider, center, ["200000.00"] * 5)
    bureaus = [make_user(role=Role.BUREAU) for _ in claims]
    barrier = threading.Barrier(len(claims))
    outcomes = []

    def approve(claim, actor):
        try:
            barrier.wait()
            services.claim_approve(claim=claim, actor=actor)
            outcomes.append("approved")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    # when five bureau officials approve at the same moment
    threads = [threading.Thread(target=approve, args=pair) for pair in zip(claims, bureaus, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then exactly two fit and the counter equals what was approved
    assert sorted(outcomes) == ["approved", "approved"] + ["provider_cap_exceeded"] * 3
    counter = ProviderYearCap.objects.get(provider=provider.organisation, year=2026)
    assert counter.approved == Decimal("400000.00")
    assert RedemptionClaim.objects.filter(state=RedemptionClaim.State.APPROVED).count() == 2


@pytest.mark.django_db
def test_a_december_service_approved_in_january_counts_against_december(set_clock, provider, center, bureau):
    # given: a claim for a deduction of 31 December 2026
    set_clock("2026-12-31T10:00:00+08:00")
    PolicyYear.objects.get_or_create(year=2027)
    claim = factories.submitted_claim(provider, [deducted_order(provider.organisation, year=2026)])
    claim = services.claim_pre_review(claim=claim, actor=center, passed=True, opinion="")
    # when: the bureau approves it on 1 January 2027
    set_clock("2027-01-01T10:00:00+08:00")
    approved = services.claim_approve(claim=claim, actor=bureau)
    # then: the service year, not the approval year, carries it
    assert approved.cap_year == 2026
    assert ProviderYearCap.objects.get(provider=provider.organisation, year=2026).approved == Decimal("5000.00")
    assert not ProviderYearCap.objects.filter(provider=provider.organisation, year=2027).exists()


@pytest.mark.django_db
def test_a_claim_mixing_service_years_is_refused(set_clock, provider):
    set_clock("2027-01-05T10:00:00+08:00")
    PolicyYear.objects.get_or_create(year=2027)
    orders = [deducted_order(provider.organisation, year=2026), deducted_order(provider.organisation, year=2027)]
    with pytest.raises(DomainError) as excinfo:
        services.claim_create(actor=provider, lines=[factories.line_for(o) for o in orders])
    assert excinfo.value.code == "claim_years_mixed"
