"""Suspending an admitted provider while it is on a dishonesty list (第六、十四条) and lifting it after a
documented delisting. The credit-list services decide; this only moves the admission and tells the provider."""
from django.db import transaction

from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire

from ..models import ProviderProfile

State = ProviderProfile.State


def _move(*, actor, organisation_id: int, source: str, transition: str, reason: str, subject: str,
          body: str) -> ProviderProfile | None:
    profile = (ProviderProfile.objects.select_for_update().select_related("organisation")
               .filter(organisation_id=organisation_id, state=source).first())
    if profile is None:
        return None
    fire(profile, transition, actor=actor, system=True, action=f"provider.{transition}",
         organisation=profile.organisation, payload={"reason": reason})
    notify(subject=subject, organisation=profile.organisation, body=f"理由：{reason}。{body}")
    return profile


@transaction.atomic
def admission_suspend(*, actor, organisation_id: int, reason: str) -> ProviderProfile | None:
    """Suspend the organisation's admission if it is admitted; None when there is nothing to suspend."""
    return _move(actor=actor, organisation_id=organisation_id, source=State.ADMITTED, transition="suspend",
                 reason=reason, subject="入驻资格已暂停",
                 body="暂停期间不能接受新订单，兑付审批、结算和拨付暂停；信用修复并经市工信服务中心登记移出名单后恢复。")


@transaction.atomic
def admission_lift(*, actor, organisation_id: int, reason: str) -> ProviderProfile | None:
    """Lift a suspension after the delisting; None when the admission was not suspended."""
    return _move(actor=actor, organisation_id=organisation_id, source=State.SUSPENDED, transition="lift_suspension",
                 reason=reason, subject="入驻资格已恢复", body="可继续接受订单和申请兑付。")
