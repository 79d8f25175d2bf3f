"""Bulk actions over every filtered row, not a page: the service center pre-reviews, the bureau approves
redemption claims, a district officer confirms payments made in one QinQing Online run. Each row goes through
the same per-object service (its own checks, locks, transaction and audit event); a row a rule refuses is
skipped with its reason in Chinese and the others go on. One summary event records what the bulk action did."""
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from hangqifu.audit.services import audit_record
from hangqifu.core.errors import DomainError, InvalidInput, NotPermitted

from .. import permissions as perms
from ..models import DistrictPayment, RedemptionClaim
from .redemption_claims import claim_approve, claim_pre_review
from .payments import payment_confirm

MAX_ROWS = 5000


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"done": self.done, "skipped": {str(k): v for k, v in self.skipped.items()}}

    def summary(self, verb: str) -> str:
        text = f"已{verb} {len(self.done)} 件"
        return text + (f"，{len(self.skipped)} 件未处理（原因见下）" if self.skipped else "")


def _ids(queryset, state) -> list[int]:
    ids = list(queryset.filter(state=state).order_by("pk").values_list("pk", flat=True)[:MAX_ROWS + 1])
    if len(ids) > MAX_ROWS:
        raise InvalidInput(f"一次最多处理 {MAX_ROWS} 条，请缩小筛选范围", code="too_many_rows")
    return ids


def _each(ids, model, run, result: BulkResult) -> BulkResult:
    for pk in ids:
        try:
            with transaction.atomic():
                run(model.objects.get(pk=pk))
            result.done.append(pk)
        except DomainError as exc:
            result.skipped[pk] = exc.detail
    return result


def _claims_bulk(*, actor, queryset, state, run, action: str, opinion: str) -> BulkResult:
    result = _each(_ids(queryset, state), RedemptionClaim, run, BulkResult())
    audit_record(actor=actor, action=action, payload={**result.as_dict(), "opinion": opinion})
    return result


def claims_bulk_pre_review(*, actor, queryset, opinion: str = "") -> BulkResult:
    """Pass the formal pre-review of every submitted claim in `queryset`, verifying each order's deduction."""
    if not perms.is_service_center(actor):
        raise NotPermitted("只有市工信服务中心可以批量形式预审")
    opinion = (opinion or "").strip() or "材料齐全，批量形式预审通过"
    return _claims_bulk(actor=actor, queryset=queryset, state=RedemptionClaim.State.SUBMITTED, opinion=opinion,
                        action="redemption.claims_bulk_pre_review",
                        run=lambda claim: claim_pre_review(claim=claim, actor=actor, passed=True, opinion=opinion))


def claims_bulk_approve(*, actor, queryset, opinion: str = "") -> BulkResult:
    """Approve every pre-reviewed claim in `queryset`; each counts against its provider's cap on its own."""
    if not perms.is_bureau(actor):
        raise NotPermitted("只有市经信局可以批量审批兑付申请")
    opinion = (opinion or "").strip() or "批量审批通过"
    return _claims_bulk(actor=actor, queryset=queryset, state=RedemptionClaim.State.PRE_REVIEWED, opinion=opinion,
                        action="redemption.claims_bulk_approve",
                        run=lambda claim: claim_approve(claim=claim, actor=actor, opinion=opinion))


def payments_bulk_confirm(*, actor, queryset, reference: str, paid_at: datetime) -> BulkResult:
    """Confirm every payable line in `queryset` as paid in one QinQing Online run: each line's reference is the
    run's reference followed by the line's number, so every payment stays traceable on its own."""
    if not perms.district_of(actor):
        raise NotPermitted("只有区县（市）财政的工作人员可以确认支付")
    reference = (reference or "").strip()
    if not reference or len(reference) > 80:
        raise InvalidInput("请填写亲清在线批量支付批次号（不超过 80 个字符）", fields={"reference": ["请填写批次号"]})
    ids = _ids(queryset, DistrictPayment.State.PENDING) + _ids(queryset, DistrictPayment.State.FAILED)
    result = _each(sorted(ids), DistrictPayment, lambda payment: payment_confirm(
        payment=payment, actor=actor, reference=f"{reference}-{payment.pk}", paid_at=paid_at), BulkResult())
    audit_record(actor=actor, action="settlement.payments_bulk_confirm",
                 payload={**result.as_dict(), "reference": reference, "paid_at": paid_at})
    return result
