"""The nightly rollup of the dashboard's closed months (`DashboardMonth`) and the plan that tells the page which
months it reads from the rollup and which ranges it computes live."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Min, Q, Sum
from django.utils import timezone

from hangqifu.core import clock
from redemption.models import RedemptionClaim
from vouchers.models import Deduction, Order, Voucher

from .dashboard_figures import (
    add_to,
    complaint_counts,
    deductions_by_month,
    plus,
    provider_volumes,
    redemption_counts,
    voucher_cells,
    within,
)
from .models import Complaint, DashboardMonth
from .statements import rolled_month_sums


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _month_end(month: date) -> date:
    return _next_month(month) - timedelta(days=1)


def range_figures(start: date, end: date) -> dict:
    """The range's figures before they become tables, in the shape a rollup month stores (sums over months
    give the figures of their union): the voucher and deduction cells, claims, orders per provider, complaints."""
    cells = voucher_cells(start, end)
    return {"vouchers": cells.vouchers, "deducted": cells.deducted, "redemptions": redemption_counts(start, end),
            "providers": {str(row["provider_id"]): [row["n"], row["volume"], row["rated"], row["satisfied"]]
                          for row in provider_volumes(start, end)},
            "complaints": complaint_counts(start, end)}


def merged_figures(parts) -> dict:
    merged = {"vouchers": [], "deducted": [], "redemptions": {}, "providers": {}, "complaints": {}}
    for part in parts:
        merged["vouchers"] += part["vouchers"]
        merged["deducted"] += part["deducted"]
        for key in ("redemptions", "providers"):
            for k, values in part[key].items():
                merged[key][k] = ([plus(a, b) for a, b in zip(merged[key][k], values, strict=True)]
                                  if k in merged[key] else list(values))
        for state, n in part["complaints"].items():
            merged["complaints"][state] = merged["complaints"].get(state, 0) + n
    return merged


@dataclass
class RollupPlan:
    """Which closed months the page reads from the rollup (`months`, wholly inside the range; `fund_months`, the
    rolled months of the end date's year, for the burn-down) and which ranges it computes live (`live`)."""
    months: list[date] = field(default_factory=list)
    live: list[tuple[date, date]] = field(default_factory=list)
    fund_months: list[date] = field(default_factory=list)
    business_date: date | None = None


def rollup_plan(start: date, end: date) -> RollupPlan:
    open_month = _month_start(clock.today())
    year_start = date(end.year, 1, 1)
    known = dict(DashboardMonth.objects.filter(month__gte=min(_month_start(start), year_start), month__lte=end,
                                               month__lt=open_month).values_list("month", "business_date"))
    plan = RollupPlan(fund_months=sorted(month for month in known if month >= year_start))
    inside, month = [], start if start.day == 1 else _next_month(start)
    while month < open_month and _month_end(month) <= end:
        inside.append(month)
        month = _next_month(month)
    if not inside or any(month not in known for month in inside):
        plan.live = [(start, end)]
        return plan
    plan.months = inside
    plan.business_date = min(known[month] for month in inside)
    if start < inside[0]:
        plan.live.append((start, inside[0] - timedelta(days=1)))
    if _month_end(inside[-1]) < end:
        plan.live.append((_month_end(inside[-1]) + timedelta(days=1), end))
    return plan


# The rolled months summed by PostgreSQL in one statement, one row per (table, key) — instead of decoding every
# month's figures (≈ 800 entries a month) and adding them up in Python. Counts are cast back to bigint (a SUM of
# bigint is numeric), amounts stay numeric with their two decimal places.


def rolled_figures(plan: RollupPlan, year: int) -> tuple[list[dict], dict[int, Decimal]]:
    """The rolled months' figures as one part for `merged_figures`, and the year's deductions by month number."""
    if not plan.months and not plan.fund_months:
        return [], {}
    part = {"vouchers": [], "deducted": [], "redemptions": {}, "providers": {}, "complaints": {}}
    spent = {}
    for kind, k1, k2, n1, a1, n2, n3 in rolled_month_sums(plan.months, plan.fund_months, year):
        if kind == "v":
            part["vouchers"].append({"category": k1, "organisation__district": k2, "claimed": n1, "face": a1,
                                     "used": n2, "expired": n3})
        elif kind == "d":
            part["deducted"].append({"voucher__category": k1, "organisation__district": k2, "s": a1})
        elif kind == "r":
            part["redemptions"][k1] = [n1, a1]
        elif kind == "p":
            part["providers"][k1] = [n1, a1, n2, n3]
        elif kind == "c":
            part["complaints"][k1] = n1
        else:
            spent[int(k1)] = a1
    return ([part] if plan.months else []), spent


def fund_spent(year: int, months: list[date], rolled: dict[int, Decimal]) -> dict[int, Decimal]:
    """Deducted by month number for the year's burn-down: the rolled months' sums, and one live query for the
    deductions outside them (the open month, or every month while the rollup has none)."""
    outside, spans = Q(), []
    for month in sorted(months):
        if spans and spans[-1][1] == month - timedelta(days=1):
            spans[-1][1] = _month_end(month)
        else:
            spans.append([month, _month_end(month)])
    for first, last in spans:
        outside &= ~within("created_at", first, last)
    spent = deductions_by_month(year, outside)
    for month, amount in rolled.items():
        add_to(spent, month, amount)
    return spent


def _month_spent(first: date, last: date) -> dict[str, Decimal]:
    return {str(year): amount for year, amount in Deduction.objects.filter(within("created_at", first, last))
            .values("year").annotate(s=Sum("amount")).values_list("year", "s")}


def _first_activity_month() -> date | None:
    """The month of the programme's first claim, deduction, order, redemption claim or complaint."""

    firsts = [model.objects.aggregate(first=Min(field))["first"]
              for model, field in ((Voucher, "claimed_at"), (Deduction, "created_at"), (Order, "signed_at"),
                                   (RedemptionClaim, "created_at"), (Complaint, "filed_at"))]
    firsts = [timezone.localtime(at).date() for at in firsts if at is not None]
    return _month_start(min(firsts)) if firsts else None


def dashboard_rollup(*, today: date | None = None) -> dict:
    """The nightly rollup: every closed month since the programme's first activity that is missing, and the
    last DASHBOARD_ROLLUP_MONTHS closed months again once per business day (a closed month's figures still move:
    a late expiry, a decided claim, a cancelled order). Idempotent: a second run on the same business day
    computes nothing; a run always leaves each month equal to the live computation at that moment."""
    today = today or clock.today()
    open_month = _month_start(today)
    month = _first_activity_month()
    recent_from = open_month
    for _ in range(settings.DASHBOARD_ROLLUP_MONTHS):
        recent_from = _month_start(recent_from - timedelta(days=1))
    known = dict(DashboardMonth.objects.values_list("month", "business_date"))
    computed = []
    while month is not None and month < open_month:
        if month not in known or (month >= recent_from and known[month] < today):
            figures = {**range_figures(month, _month_end(month)), "spent": _month_spent(month, _month_end(month))}
            DashboardMonth.objects.update_or_create(month=month, defaults={
                "figures": figures, "business_date": today, "computed_at": timezone.now()})
            computed.append(month.strftime("%Y-%m"))
        month = _next_month(month)
    return {"computed": computed}

