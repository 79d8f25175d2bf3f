"""The bureau declares a year's fund insufficient (第四条 "资金总额不足时自动作废"): a two-person action.

One bureau official proposes it with a reason; the page and the proposal record what the fund has left and the
unused vouchers it would void. A different bureau official confirms: with the year's gate closed (it waits for
every deduction in flight, vouchers/statements.py) and the fund FOR UPDATE (which waits for every claim in
flight), the figures of that moment are recorded, the fund is marked exhausted (cause `declared`) and the year's unused
vouchers are voided in the same transaction. Either official may
withdraw an open proposal. Every step is audited."""
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, NotFound, NotPermitted, RuleViolation
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire, transition_check

from .. import permissions as perms
from ..models.fund_declarations import FundInsufficiencyDeclaration as Declaration
from ..models.funds import Fund
from ..models.vouchers import Voucher
from ..statements import fund_gate_exclusive
from .expiry import fund_exhaust

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class FundStanding:
    """What the declaration page shows: the fund's remainder and the unused vouchers a confirmation would void."""
    fund: Fund
    remainder: Decimal
    live_count: int
    live_balance: Decimal


def fund_standing(*, fund: Fund) -> FundStanding:
    live = Voucher.objects.filter(year=fund.year, state=Voucher.State.LIVE).aggregate(n=Count("pk"), s=Sum("balance"))
    remainder = ZERO if fund.exhausted_at else fund.total - fund.deducted
    return FundStanding(fund=fund, remainder=remainder, live_count=live["n"] or 0, live_balance=live["s"] or ZERO)


def _fund(year: int, *, locked: bool) -> Fund:
    funds = Fund.objects.select_for_update() if locked else Fund.objects
    fund = funds.filter(year=year).first()
    if fund is None:
        raise NotFound(f"{year} 年度服务券资金不存在")
    return fund


@transaction.atomic
def insufficiency_propose(*, actor, year: int, reason: str) -> Declaration:
    if not perms.is_bureau(actor):
        raise NotPermitted("只有市经信局可以提出资金总额不足认定")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise InvalidInput("请写明认定资金总额不足的理由", fields={"reason": ["请写明理由"]})
    # A plain read: a proposal changes nothing of the fund (one open proposal per year is a constraint), and a
    # lock here would wait behind no deduction, then hold the hot row while the audit chain is taken.
    fund = _fund(year, locked=False)
    if fund.exhausted_at is not None:
        raise RuleViolation(f"{year} 年度服务券资金已于 {timezone.localtime(fund.exhausted_at):%Y-%m-%d} 用完或认定不足",
                            code="fund_exhausted")
    standing = fund_standing(fund=fund)
    try:
        with transaction.atomic():
            declaration = Declaration.objects.create(
                fund=fund, reason=reason[:2000], remainder_at_proposal=standing.remainder,
                live_count_at_proposal=standing.live_count, live_balance_at_proposal=standing.live_balance,
                proposed_by=actor, proposed_at=clock.now())
    except IntegrityError:
        raise RuleViolation(f"{year} 年度已有待确认的资金总额不足认定", code="declaration_pending") from None
    audit_record(actor=actor, action="fund.insufficiency_proposed", obj=declaration, to_state=declaration.state,
                 payload={"year": year, "reason": declaration.reason, "total": fund.total, "deducted": fund.deducted,
                          "remainder": standing.remainder, "live_vouchers": standing.live_count,
                          "live_balance": standing.live_balance})
    transaction.on_commit(lambda: notify(
        subject=f"{year} 年度服务券资金总额不足认定待确认", roles=["bureau"],
        url=f"/vouchers/funds/{year}/insufficiency/",
        body=f"资金余额 {standing.remainder} 元；确认后 {standing.live_count} 张未使用的服务券"
             f"（余额 {standing.live_balance} 元）将作废。须由提出人以外的市经信局人员确认。"))
    return declaration


def _locked_declaration(declaration_id) -> Declaration:
    declaration = (Declaration.objects.select_for_update().filter(pk=declaration_id).first()
                   if str(declaration_id).isdigit() else None)
    if declaration is None:
        raise NotFound("资金总额不足认定不存在")
    return declaration


_CONFIRM_DENIED = "须由提出人以外的市经信局人员确认（两人办理）"


def _confirm_wrong_state(declaration: Declaration) -> str:
    return f"该认定当前为“{declaration.get_state_display()}”，不能确认"


@transaction.atomic
def insufficiency_confirm(*, actor, declaration_id, note: str = "") -> Declaration:
    """The second official confirms: the fund is exhausted from now and the year's unused vouchers are voided."""
    # Lock order, as fund_exhaust's (it voids vouchers deductions may hold): the year's gate exclusive, so every
    # deduction in flight ends first; then the fund, then the declaration.
    year = Declaration.objects.filter(pk=declaration_id).values_list("fund__year", flat=True).first() \
        if str(declaration_id).isdigit() else None
    if year is None:
        raise NotFound("资金总额不足认定不存在")
    # Refused before the gate closes (a refused call must not stall the year's deductions), and again under it.
    unlocked = Declaration.objects.get(pk=declaration_id)
    transition_check(unlocked, "confirm", actor=actor, denied=_CONFIRM_DENIED,
                     wrong_state=_confirm_wrong_state(unlocked))
    fund_gate_exclusive(year)
    fund = _fund(year, locked=True)
    declaration = _locked_declaration(declaration_id)
    transition_check(declaration, "confirm", actor=actor, denied=_CONFIRM_DENIED,
                     wrong_state=_confirm_wrong_state(declaration))
    now = clock.now()
    remainder = ZERO if fund.exhausted_at else fund.total - fund.deducted
    if fund.exhausted_at is None:
        fund.exhausted_at, fund.exhaustion_cause = now, Fund.ExhaustionCause.DECLARED
        fund.save(update_fields=["exhausted_at", "exhaustion_cause"])
    note = (note or "").strip()[:2000]
    result = fund_exhaust(year=year, actor=actor)
    fire(declaration, "confirm", actor=actor, action="fund.insufficiency_confirmed", denied=_CONFIRM_DENIED,
         changes={"decided_by": actor, "decided_at": now, "decision_note": note, "remainder_at_decision": remainder,
                  "voided_count": result["count"], "voided_amount": result["amount"]},
         payload={"year": year, "proposed_by": declaration.proposed_by_id, "total": fund.total,
                  "deducted": fund.deducted, "remainder": remainder, "voided": result["count"],
                  "voided_amount": result["amount"], "note": note})
    audit_record(actor=actor, action="fund.exhausted", obj=fund,
                 payload={"year": year, "total": fund.total, "deducted": fund.deducted, "remainder": remainder,
                          "cause": Fund.ExhaustionCause.DECLARED, "declaration": declaration.pk})
    return declaration


@transaction.atomic
def insufficiency_withdraw(*, actor, declaration_id, note: str = "") -> Declaration:
    declaration = _locked_declaration(declaration_id)
    note = (note or "").strip()[:2000]
    fire(declaration, "withdraw", actor=actor, action="fund.insufficiency_withdrawn",
         denied="只有市经信局可以撤回资金总额不足认定",
         wrong_state=f"该认定当前为“{declaration.get_state_display()}”，不能撤回",
         changes={"decided_by": actor, "decided_at": clock.now(), "decision_note": note},
         payload={"year": declaration.fund.year, "note": note})
    return declaration
