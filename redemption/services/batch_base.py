"""Helpers shared by the settlement services (locking a batch, completing it, totals, and lightweight
references for bulk audit)."""
from django.db.models import Sum
from django_fsm import can_proceed

from hangqifu.accounts.roles import Role
from hangqifu.core.money import ZERO
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire

from ..models import DistrictPayment, SettlementBatch


class Ref:
    """A row known only by its primary key, for audit_record_many (which reads `_meta.model_name` and `pk`)
    and the like: building model instances for thousands of rows just to name them is most of the cost."""

    __slots__ = ("_meta", "pk")

    def __init__(self, model, pk):
        self._meta, self.pk = model._meta, pk


def _lock(batch_id: int) -> SettlementBatch:
    return SettlementBatch.objects.select_for_update().get(pk=batch_id)


def batch_complete_if_all_paid(batch: SettlementBatch, *, confirmed_by=None) -> bool:
    """The one way a settlement batch completes: when it has payment lines and every one is paid (the last
    district confirms, or a line was confirmed while another district was still being issued). Nobody fires
    it by hand, so it runs as the system; the audit row names the district officer whose confirmation
    completed it. Notifies the service center and both bureaus."""
    payments = batch.payments.all()
    if not payments.exists() or payments.exclude(state=DistrictPayment.State.PAID).exists() \
            or not can_proceed(batch.complete):
        return False
    payload = {"payments": payments.count()}
    if confirmed_by is not None:
        payload["confirmed_by"] = confirmed_by.get_username()
    fire(batch, "complete", actor=None, system=True, action="settlement.complete", payload=payload)
    notify(subject=f"{batch.title}已全部支付完毕", roles=[Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU],
           url=batch.get_absolute_url())
    return True


def batch_total(batch: SettlementBatch):
    return batch.claims.aggregate(total=Sum("verified_amount"))["total"] or ZERO
