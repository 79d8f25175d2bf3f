"""第十九条 抽查: staff draw a sample of orders or redemption claims of a period, uniformly or weighted by the
fraud-signal risk score, reproducibly: the population is sorted by id and drawn with `random.Random(seed)`, the
seed recorded on the check, so anyone can redraw the same sample. Findings per item with evidence documents;
closing renders the report PDF (stored as the check's document).

FSM: draft → sampled (draw) → closed (close, with a conclusion and every item checked)."""
import random
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, InvalidTransition, NotPermitted, RuleViolation
from hangqifu.documents.pdf import render_pdf
from hangqifu.documents.selectors import documents_for
from hangqifu.documents.services import document_store
from hangqifu.workflows.transitions import fire, transition_check
from redemption.models import RedemptionClaim
from vouchers.models import Order

from . import fraud
from .models import SpotCheck, SpotCheckItem
from .permissions import can_run_spot_checks

EVIDENCE_KIND = "other"
REPORT_KIND = "other"
MAX_SEED = 2**62


@dataclass(frozen=True)
class Candidate:
    pk: int
    organisation_id: int
    label: str
    amount: Decimal


def population(*, target: str, period_start: date, period_end: date) -> list[Candidate]:
    """The orders signed (not cancelled) or the redemption claims submitted in the period, sorted by id."""
    if target == SpotCheck.Target.ORDER:
        rows = (Order.objects.filter(signed_at__date__gte=period_start, signed_at__date__lte=period_end)
                .exclude(state=Order.State.CANCELLED).order_by("pk")
                .values_list("pk", "buyer_id", "year", "product_title", "amount"))
        return [Candidate(pk, org, f"订单 D{year}{pk:07d} {title}", amount) for pk, org, year, title, amount in rows]

    rows = (RedemptionClaim.objects.filter(submitted_at__date__gte=period_start, submitted_at__date__lte=period_end)
            .exclude(state__in=[RedemptionClaim.State.DRAFT, RedemptionClaim.State.WITHDRAWN]).order_by("pk")
            .values_list("pk", "provider_id", "provider__name", "created_at", "claimed_amount"))
    return [Candidate(pk, org, f"兑付申请 DF{created:%Y}{pk:06d} {name}", amount)
            for pk, org, name, created, amount in rows]


def draw_sample(candidates: list[Candidate], *, size: int, seed: int, weights: dict[int, int] | None = None):
    """Reproducible: the same candidates (sorted by id), size, seed and weights give the same sample, in order.
    Uniform: `Random(seed).sample`. Weighted without replacement (Efraimidis–Spirakis): each candidate gets the
    key u^(1/w) with u from `Random(seed)` and w = 1 + risk score; the largest keys are drawn."""
    candidates = sorted(candidates, key=lambda c: c.pk)
    rng = random.Random(seed)
    if weights is None:
        return rng.sample(candidates, size)
    keyed = [(rng.random() ** (1.0 / (1 + weights.get(c.pk, 0))), c) for c in candidates]
    keyed.sort(key=lambda pair: (-pair[0], pair[1].pk))
    return [c for _, c in keyed[:size]]


def _check_period(period_start, period_end):
    if period_start is None or period_end is None:
        raise InvalidInput("请填写抽查期间", fields={"period_start": ["必填"]})
    if period_end < period_start:
        raise InvalidInput("抽查期间的结束日期不能早于开始日期", code="invalid_period",
                           fields={"period_end": ["结束日期早于开始日期"]})


@transaction.atomic
def spot_check_create(*, actor, title: str, target: str, method: str, period_start: date, period_end: date,
                      sample_size: int, seed: int | None = None) -> SpotCheck:
    if not can_run_spot_checks(actor):
        raise NotPermitted("只有政府工作人员可以发起抽查")
    title = (title or "").strip()
    if not title:
        raise InvalidInput("请填写抽查名称", fields={"title": ["必填"]})
    if target not in SpotCheck.Target.values or method not in SpotCheck.Method.values:
        raise InvalidInput("抽查对象或抽样方法无效", fields={"target": ["无效"]})
    _check_period(period_start, period_end)
    if isinstance(sample_size, bool) or not isinstance(sample_size, int) or sample_size < 1:
        raise InvalidInput("样本量必须是正整数", fields={"sample_size": ["必须是正整数"]})
    if seed is None:
        seed = secrets.randbelow(MAX_SEED)
    check = SpotCheck.objects.create(title=title, target=target, method=method, period_start=period_start,
                                     period_end=period_end, sample_size=sample_size, seed=seed, created_by=actor,
                                     created_at=clock.now())
    audit_record(actor=actor, action="spot_check.create", obj=check, to_state=check.state,
                 payload={"target": target, "method": method, "period": [period_start, period_end],
                          "sample_size": sample_size, "seed": seed})
    return check


SPOT_CHECK_DENIED = "只有政府工作人员可以办理抽查"


def _wrong_state(check: SpotCheck) -> str:
    return f"抽查当前状态为“{check.get_state_display()}”，不能执行此操作"


@transaction.atomic
def spot_check_draw(*, actor, check: SpotCheck) -> SpotCheck:
    """Draw the sample from the recorded seed; a sample larger than the population is refused."""
    check = SpotCheck.objects.select_for_update().get(pk=check.pk)
    transition_check(check, "draw", actor=actor, denied=SPOT_CHECK_DENIED, wrong_state=_wrong_state(check))
    candidates = population(target=check.target, period_start=check.period_start, period_end=check.period_end)
    if check.sample_size > len(candidates):
        raise RuleViolation(f"样本量 {check.sample_size} 超过抽查期间内的总体数量 {len(candidates)}，请减少样本量或扩大期间",
                            code="sample_too_large", fields={"sample_size": [f"至多 {len(candidates)}"]})
    scores = fraud.risk_scores(subject_type=check.target, ids=[c.pk for c in candidates])
    weights = scores if check.method == SpotCheck.Method.RISK_WEIGHTED else None
    sample = draw_sample(candidates, size=check.sample_size, seed=check.seed, weights=weights)
    SpotCheckItem.objects.bulk_create([
        SpotCheckItem(spot_check=check, position=i, subject_id=c.pk, organisation_id=c.organisation_id,
                      label=c.label[:200], amount=c.amount, risk_score=scores.get(c.pk, 0))
        for i, c in enumerate(sample, start=1)])
    fire(check, "draw", actor=actor, action="spot_check.draw", denied=SPOT_CHECK_DENIED,
         wrong_state=_wrong_state(check), changes={"population_size": len(candidates), "sampled_at": clock.now()},
         payload={"population": len(candidates), "seed": check.seed, "items": [c.pk for c in sample]})
    return check


@transaction.atomic
def spot_check_item_record(*, actor, item: SpotCheckItem, finding: str, notes: str,
                           evidence=None) -> SpotCheckItem:
    item = SpotCheckItem.objects.select_for_update().select_related("spot_check").get(pk=item.pk)
    check = item.spot_check
    if not check.user_can_view(actor):
        raise NotPermitted("只有政府工作人员可以记录抽查结果")
    if check.state != SpotCheck.State.SAMPLED:
        raise InvalidTransition("只有核查中的抽查可以记录结果")
    if finding not in (SpotCheckItem.Finding.COMPLIANT, SpotCheckItem.Finding.ISSUE):
        raise InvalidInput("请选择核查结果", fields={"finding": ["无效"]})
    notes = (notes or "").strip()
    if finding == SpotCheckItem.Finding.ISSUE and not notes:
        raise InvalidInput("发现问题时必须写明核查记录", fields={"notes": ["必填"]})
    item.finding, item.notes, item.checked_by, item.checked_at = finding, notes, actor, clock.now()
    item.save(update_fields=["finding", "notes", "checked_by", "checked_at"])
    for uploaded in evidence or ():
        document_store(owner=item, kind=EVIDENCE_KIND, uploaded_file=uploaded, actor=actor)
    audit_record(actor=actor, action="spot_check.finding", obj=check, organisation=item.organisation,
                 payload={"item": item.pk, "subject_id": item.subject_id, "finding": finding, "notes": notes})
    return item


def report_context(check: SpotCheck) -> dict:
    items = list(check.items.select_related("organisation", "checked_by"))
    issues = [i for i in items if i.finding == SpotCheckItem.Finding.ISSUE]
    return {"title": "服务券使用情况抽查报告", "document_number": check.number, "check": check, "items": items,
            "issues": issues, "issued_on": clock.today(), "issuer": "杭州市经济和信息化局",
            "total": sum((i.amount for i in items), Decimal("0.00"))}


@transaction.atomic
def spot_check_close(*, actor, check: SpotCheck, conclusion: str) -> SpotCheck:
    check = SpotCheck.objects.select_for_update().get(pk=check.pk)
    conclusion = (conclusion or "").strip()
    if not conclusion:
        raise InvalidInput("请填写核查结论", fields={"conclusion": ["必填"]})
    issues = check.items.filter(finding=SpotCheckItem.Finding.ISSUE).values_list("subject_id", flat=True)
    fire(check, "close", actor=actor, action="spot_check.close", denied=SPOT_CHECK_DENIED,
         wrong_state=_wrong_state(check),
         changes={"conclusion": conclusion, "closed_by": actor, "closed_at": clock.now()},
         payload={"conclusion": conclusion, "issues": list(issues)})
    pdf = render_pdf("supervision/pdf/spot_check_report.html", report_context(check))
    document_store(owner=check, kind=REPORT_KIND, uploaded_file=SimpleUploadedFile(
        f"抽查报告{check.number}.pdf", pdf, content_type="application/pdf"), actor=actor)
    return check


def report_document(check: SpotCheck):
    return documents_for(check, REPORT_KIND).order_by("-id").first()


def evidence_of(item: SpotCheckItem):
    return documents_for(item, EVIDENCE_KIND)
