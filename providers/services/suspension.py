"""Suspending an admitted provider while it is on a dishonesty list (第六、十四条) and lifting it after a
documented delisting. The credit-list services decide; this only moves the admission and tells the provider."""
from django.db import transaction

from audit.services import audit_record
from hangqifu.notifications.services import notify

from ..models import ProviderProfile


@transaction.atomic
def admission_suspend(*, actor, organisation_id: int, reason: str) -> ProviderProfile | None:
    """Suspend the organisation's admission if it is admitted; None when there is nothing to suspend."""
    profile = (ProviderProfile.objects.select_for_update().select_related("organisation")
               .filter(organisation_id=organisation_id, state=ProviderProfile.State.ADMITTED).first())
    if profile is None:
        return None
    profile.suspend()
    profile.save(update_fields=["state"])
    audit_record(actor=actor, action="provider.suspend", obj=profile, from_state=ProviderProfile.State.ADMITTED,
                 to_state=profile.state, organisation=profile.organisation, payload={"reason": reason})
    notify(subject="入驻资格已暂停", organisation=profile.organisation,
           body=f"理由：{reason}。暂停期间不能接受新订单，兑付审批、结算和拨付暂停；信用修复并经市工信服务中心登记移出名单后恢复。")
    return profile


@transaction.atomic
def admission_lift(*, actor, organisation_id: int, reason: str) -> ProviderProfile | None:
    profile = (ProviderProfile.objects.select_for_update().select_related("organisation")
               .filter(organisation_id=organisation_id, state=ProviderProfile.State.SUSPENDED).first())
    if profile is None:
        return None
    profile.lift_suspension()
    profile.save(update_fields=["state"])
    audit_record(actor=actor, action="provider.lift_suspension", obj=profile,
                 from_state=ProviderProfile.State.SUSPENDED, to_state=profile.state,
                 organisation=profile.organisation, payload={"reason": reason})
    notify(subject="入驻资格已恢复", organisation=profile.organisation, body=f"理由：{reason}。")
    return profile
