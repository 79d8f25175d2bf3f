"""Helpers shared by the settlement services (locking a batch, completing it, totals, and the bulk
counterparts of a per-object transition: its FSM log rows and lightweight references for bulk audit)."""
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from django_fsm import can_proceed
from django_fsm_log.models import StateLog

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


def state_log_rows(model, where: str, params: list, *, transition: str, source: str, target: str) -> None:
    """The django-fsm-log rows a per-object `transition()` writes (its post_transition signal: by and
    description empty, as these transitions are fired without them), for the rows of `model` matching
    `where` that one conditional UPDATE moved instead — one INSERT … SELECT, one row per object."""
    log, table = StateLog._meta.db_table, model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {log} (timestamp, by_id, source_state, state, transition, content_type_id, object_id, "
            f"description) SELECT %s, NULL, %s, %s, %s, %s, id, NULL FROM {table} WHERE {where}",
            [connection.ops.adapt_datetimefield_value(timezone.now()), source, target, transition,
             ContentType.objects.get_for_model(model).pk, *params])


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
