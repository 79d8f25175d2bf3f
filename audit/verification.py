"""The audit-chain check on demand (staff button) and nightly, with its result kept for the audit browser."""
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hangqifu.accounts.roles import Role
from hangqifu.core import clock
from hangqifu.core.errors import NotPermitted
from hangqifu.notifications.services import notify

from .chain import verify_chains
from .models import AuditEvent, ChainCheck
from .permissions import is_staff_user


def chain_check_run(*, actor=None) -> ChainCheck:
    """Recompute every event's hash and every chain's links (as `manage.py verify_audit` does) and keep the
    totals: events verified over all chains and the lowest id that does not verify. actor None = the nightly
    job. A broken chain alerts the bureau and the service center, naming every broken chain. The per-chain
    results are on the returned check as `.chains` (not stored)."""
    if actor is not None and not is_staff_user(actor):
        raise NotPermitted("只有政府工作人员可以核验审计链")
    result = verify_chains(AuditEvent.objects.all())
    with transaction.atomic():
        check = ChainCheck.objects.create(checked_at=timezone.now(), business_date=clock.today(), checked_by=actor,
                                          events_checked=result.checked, broken_event_id=result.broken_id)
        if not result.ok:
            where = "；".join(f"链 {r.chain} 在事件 #{r.broken_id} 处（此前 {r.checked} 条正常）" for r in result.broken)
            notify(roles=[Role.BUREAU, Role.SERVICE_CENTER], subject=f"审计链校验失败：事件 #{result.broken_id}",
                   body=f"审计链校验失败：{where}，请立即核查数据库是否被篡改。", url=reverse("audit:event-list"))
    check.chains = result.chains
    return check


def chain_check_last() -> ChainCheck | None:
    return ChainCheck.objects.select_related("checked_by").order_by("-id").first()


def chain_check_daily() -> dict:
    """Once per business day (idempotent)."""
    if ChainCheck.objects.filter(business_date=clock.today(), checked_by__isnull=True).exists():
        return {"skipped": True}
    check = chain_check_run()
    return {"events_checked": check.events_checked, "ok": check.ok, "chains": len(check.chains),
            "broken_chains": [r.chain for r in check.chains.values() if r.broken_id is not None]}
