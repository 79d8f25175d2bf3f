"""A claim pulled out of a settlement batch because its public notice drew an objection (第十一条 公示无异议后拨付)
waits, marked under investigation, until the objection is decided: dismissed, the mark is lifted and the claim
joins the next batch; upheld, the claim is revoked (claims.claim_revoke_after_objection)."""
from hangqifu.accounts.models import Organisation
from hangqifu.audit.services import audit_record_many

from ..models import RedemptionClaim


def claims_cleared_of_objection(*, claim_ids, notice, actor=None) -> int:
    """Lift the investigation mark of those of `claim_ids` (ids or an id subquery) that carry it, with one audit
    row each; returns how many. Run in the transaction that decided the objection."""
    cleared = list(RedemptionClaim.objects.select_for_update(of=("self",))
                   .filter(pk__in=claim_ids, under_investigation=True).order_by("id")
                   .values_list("pk", "provider_id"))
    if not cleared:
        return 0
    RedemptionClaim.objects.filter(pk__in=[pk for pk, _ in cleared]).update(under_investigation=False)
    audit_record_many([{"actor": actor, "action": "redemption.investigation_cleared",
                        "obj": RedemptionClaim(pk=pk), "organisation": Organisation(pk=provider_id),
                        "payload": {"notice": notice.pk, "notice_title": notice.title}}
                       for pk, provider_id in cleared])
    return len(cleared)
