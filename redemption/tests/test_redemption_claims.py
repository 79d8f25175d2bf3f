"""Claims: filing rules of 第十一条, the FSM paths and who may take each step."""
from decimal import Decimal

import pytest

from hangqifu.core.errors import DomainError
from hangqifu.documents.selectors import documents_for

from ..models import ClaimLine, RedemptionClaim
from ..services import redemption_claims as services
from . import factories
from .factories import deducted_order, line_for

pytestmark = pytest.mark.django_db


def test_invoice_must_equal_order_amount_minus_deduction(now, provider):
    # given an order of 10,000 with a 5,000 deduction
    order = deducted_order(provider.organisation, amount="10000.00", deduction="5000.00")
    # when the provider files an invoice for the full amount
    with pytest.raises(DomainError) as refused:
        services.claim_create(actor=provider, lines=[{**line_for(order), "invoice_amount": "10000.00"}])
    # then it is refused with invoice_mismatch, and the correct amount is accepted
    assert refused.value.code == "invoice_mismatch"
    assert "5,000.00" in refused.value.detail
    claim = services.claim_create(actor=provider, lines=[line_for(order)])
    assert claim.claimed_amount == Decimal("5000.00")
    assert claim.state == RedemptionClaim.State.DRAFT


def test_order_of_another_provider_is_refused(now, provider):
    other = factories.provider_user("binjiang")
    order = deducted_order(other.organisation)
    with pytest.raises(DomainError) as refused:
        services.claim_create(actor=provider, lines=[line_for(order)])
    assert refused.value.code == "order_not_found"


def test_order_in_a_live_claim_cannot_be_claimed_again_until_withdrawn(now, provider):
    order = deducted_order(provider.organisation)
    first = services.claim_create(actor=provider, lines=[line_for(order)])
    with pytest.raises(DomainError) as refused:
        services.claim_create(actor=provider, lines=[line_for(order)])
    assert refused.value.code == "order_already_claimed"
    services.claim_withdraw(claim=first, actor=provider)
    again = services.claim_create(actor=provider, lines=[line_for(order)])
    assert again.lines.get().order == order


def test_database_refuses_a_second_live_line_for_an_order(now, provider):
    from django.db import IntegrityError, transaction

    order = deducted_order(provider.organisation)
    claim = services.claim_create(actor=provider, lines=[line_for(order)])
    other = RedemptionClaim.objects.create(provider=provider.organisation, created_by=provider, created_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimLine.objects.create(claim=other, order=order, deduction=order.deduction, invoice_number="X",
                                 invoice_amount=Decimal("1"), amount=Decimal("1"))
    assert ClaimLine.objects.filter(order=order).count() == 1
    assert claim.lines.count() == 1


def test_submit_needs_every_document_of_article_11(now, provider):
    order = deducted_order(provider.organisation)
    claim = services.claim_create(actor=provider, lines=[line_for(order)])
    factories.attach_documents(claim, provider, kinds=["contract", "invoice", "commitment_letter",
                                                       "service_evidence"])
    with pytest.raises(DomainError) as refused:
        services.claim_submit(claim=claim, actor=provider)
    assert refused.value.code == "invalid_document"
    assert "银行回单" in refused.value.detail
    factories.attach_documents(claim, provider, kinds=["bank_receipt"])
    claim = services.claim_submit(claim=claim, actor=provider)
    assert claim.state == RedemptionClaim.State.SUBMITTED
    assert documents_for(claim).count() == 5


def test_public_institution_is_asked_for_the_government_receipt(now, provider):
    order = deducted_order(provider.organisation)
    claim = services.claim_create(actor=provider, lines=[line_for(order)], is_public_institution=True)
    with pytest.raises(DomainError) as refused:
        services.claim_submit(claim=claim, actor=provider)
    assert "财政票据" in refused.value.detail


def test_happy_path_pre_review_with_verified_amount_then_approval(now, provider, center, bureau):
    orders = [deducted_order(provider.organisation, deduction="5000.00"),
              deducted_order(provider.organisation, deduction="3000.00")]
    claim = factories.submitted_claim(provider, orders)
    # the service center verifies the second order at 2,500
    claim = services.claim_pre_review(claim=claim, actor=center, passed=True, opinion="第二单核减 500 元",
                                      verified={orders[1].pk: Decimal("2500.00")})
    assert claim.state == RedemptionClaim.State.PRE_REVIEWED
    assert claim.verified_amount == Decimal("7500.00")
    claim = services.claim_approve(claim=claim, actor=bureau)
    assert claim.state == RedemptionClaim.State.APPROVED
    assert claim.cap_year == 2026
    assert {line.redeemed_order_id for line in claim.lines.all()} == {o.pk for o in orders}


def test_return_and_resubmit_then_reject(now, provider, center, bureau):
    claim = factories.submitted_claim(provider, [deducted_order(provider.organisation)])
    claim = services.claim_pre_review(claim=claim, actor=center, passed=False, opinion="发票不清晰")
    assert claim.state == RedemptionClaim.State.RETURNED
    claim = services.claim_submit(claim=claim, actor=provider)
    claim = services.claim_pre_review(claim=claim, actor=center, passed=True, opinion="")
    claim = services.claim_return(claim=claim, actor=bureau, opinion="请补充服务记录")
    assert claim.state == RedemptionClaim.State.RETURNED
    claim = services.claim_reject(claim=claim, actor=center, opinion="服务未实际发生")
    assert claim.state == RedemptionClaim.State.REJECTED
    # a rejected claim keeps its orders: they cannot be claimed again
    with pytest.raises(DomainError) as refused:
        services.claim_create(actor=provider, lines=[line_for(claim.lines.get().order)])
    assert refused.value.code == "order_already_claimed"


@pytest.mark.parametrize("step", ["pre_review", "approve"])
def test_wrong_roles_are_refused(now, provider, center, bureau, step):
    claim = factories.submitted_claim(provider, [deducted_order(provider.organisation)])
    if step == "pre_review":
        for actor in (provider, bureau):
            with pytest.raises(DomainError) as refused:
                services.claim_pre_review(claim=claim, actor=actor, passed=True, opinion="")
            assert refused.value.status == 403
    else:
        services.claim_pre_review(claim=claim, actor=center, passed=True, opinion="")
        for actor in (provider, center):
            with pytest.raises(DomainError) as refused:
                services.claim_approve(claim=claim, actor=actor)
            assert refused.value.status == 403
    claim = RedemptionClaim.objects.get(pk=claim.pk)
    assert claim.state in (RedemptionClaim.State.SUBMITTED, RedemptionClaim.State.PRE_REVIEWED)


def test_approval_out_of_order_is_an_invalid_transition(now, provider, bureau):
    claim = factories.submitted_claim(provider, [deducted_order(provider.organisation)])
    with pytest.raises(DomainError) as refused:
        services.claim_approve(claim=claim, actor=bureau)
    assert refused.value.code == "invalid_transition"


def test_other_provider_cannot_submit(now, provider):
    claim = services.claim_create(actor=provider, lines=[line_for(deducted_order(provider.organisation))])
    other = factories.provider_user("xihu", name="另一家服务机构")
    with pytest.raises(DomainError) as refused:
        services.claim_submit(claim=claim, actor=other)
    assert refused.value.status == 404


def test_banned_provider_cannot_file(now, provider, bureau):
    from sanctions.services import sanction_impose

    order = deducted_order(provider.organisation)
    sanction_impose(actor=bureau, organisation=provider.organisation, reason="虚假交易", ban_years=3)
    with pytest.raises(DomainError) as refused:
        services.claim_create(actor=provider, lines=[line_for(order)])
    assert refused.value.code == "banned"


def test_demo_submits_one_claim_when_deducted_orders_exist(now, provider):
    from hangqifu.accounts.roles import Role

    from ..demo import seed as seed_app

    def seed(ctx):  # as seed_demo runs it: the claim is filed once every app (the money demo) has seeded
        seed_app(ctx)
        for later in ctx.pop("after_all_apps"):
            later(ctx)

    seed({"users": {Role.PROVIDER.value: provider}})
    assert not RedemptionClaim.objects.exists()
    deducted_order(provider.organisation)
    seed({"users": {Role.PROVIDER.value: provider}})
    seed({"users": {Role.PROVIDER.value: provider}})
    claim = RedemptionClaim.objects.get()
    assert claim.state == RedemptionClaim.State.SUBMITTED
    assert services.missing_documents(claim) == []
