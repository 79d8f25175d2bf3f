"""The audit-chain check on demand (staff button) and nightly, with its result kept for the audit browser."""
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hangqifu.accounts.predicates import is_staff
from hangqifu.accounts.roles import Role
from hangqifu.audit.chain import verify_chains
from hangqifu.audit.models import AuditEvent, ChainCheck
from hangqifu.audit.selectors import chain_checkpoints
from hangqifu.core import clock
from hangqifu.core.errors import NotPermitted
from hangqifu.notifications.services import notify


def chain_check_run(*, actor=None) -> ChainCheck:
    """Recompute every event's hash and every chain's links (as `manage.py verify_audit` does) and keep the
    totals: events verified over all chains and the lowest id that does not verify. actor None = the nightly
    job. Each chain's verified head is stored on the check (`heads`) and the next check compares against it, so
    a deleted tail (a truncation, which leaves every remaining link intact) is reported too, with the missing
    event's id as `broken_event_id`. A broken chain alerts the bureau and the service center, naming every
    broken chain (`problems`). The per-chain results are on the returned check as `.chains` (not stored)."""
    if actor is not None and not is_staff(actor):
        raise NotPermitted("只有政府工作人员可以核验审计链")
    result = verify_chains(AuditEvent.objects.all(), checkpoints=chain_checkpoints())
    with transaction.atomic():
        check = ChainCheck.objects.create(checked_at=timezone.now(), business_date=clock.today(), checked_by=actor,
                                          events_checked=result.checked, broken_event_id=result.broken_id,
                                          heads=result.heads(), problems=result.problems)
        if not result.ok:
            notify(roles=[Role.BUREAU, Role.SERVICE_CENTER], subject=f"审计链校验失败：事件 #{result.broken_id}",
                   body=f"审计链校验失败：{'；'.join(result.problems)}。请立即核查数据库是否被篡改。",
                   url=reverse("audit:event-list"))
    check.chains = result.chains
    return check


def chain_check_daily() -> dict:
    """Once per business day (idempotent)."""
    if ChainCheck.objects.filter(business_date=clock.today(), checked_by__isnull=True).exists():
        return {"skipped": True}
    check = chain_check_run()
    return {"events_checked": check.events_checked, "ok": check.ok, "chains": len(check.chains),
            "broken_chains": [r.chain for r in check.chains.values() if r.broken_id is not None]}
