"""Bureau dashboard (第十六、十九条 监督): the programme at a glance for a date range — fund burn-down over the year,
vouchers claimed / used / expired by category and by district, redemptions by state, provider ranking by volume
and satisfaction, complaints. Each figure is one aggregate query (bounded, whatever the data volume); charts are
plain SVG geometry computed here (no script, no inline style), each table downloadable as Excel."""
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, Min, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.html import format_html_join

from hangqifu.accounts.models import Organisation
from hangqifu.core import clock
from hangqifu.core.choices import District, ServiceCategory
from hangqifu.core.errors import InvalidInput
from hangqifu.core.xlsx import row
from redemption.models import RedemptionClaim
from vouchers.models import Deduction, Fund, Order, Satisfaction, Voucher

from .models import Complaint, DashboardMonth
from .statements import rolled_month_sums

ZERO = Decimal("0.00")
CHART_WIDTH, CHART_HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 240, 70, 46, 12
MAX_BAR_WIDTH = 48
SERIES_COLOURS = ("#1f5fa8", "#3c9a5f", "#c9822b", "#b0413e", "#6d5ba8")


@dataclass
class Table:
    """One chart's data: what the chart draws and what its Excel download contains."""
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)


def parse_range(start: str | None, end: str | None) -> tuple[date, date]:
    """The date range from the query string (ISO dates); default 1 January of this year to today."""
    today = clock.today()
    try:
        start_on = date.fromisoformat(start) if start else date(today.year, 1, 1)
        end_on = date.fromisoformat(end) if end else today
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", fields={"start": ["日期无效"]}) from None
    if end_on < start_on:
        raise InvalidInput("结束日期不能早于开始日期", code="invalid_range", fields={"end": ["结束日期早于开始日期"]})
    return start_on, end_on


def _in(field: str, start: date, end: date) -> Q:
    """`field` (a datetime) on a local date from `start` to `end`, both included: the rows of `field__date__gte` /
    `field__date__lte`, written as the half-open range of instants [start 00:00, end + 1 day 00:00) in the
    current time zone — a plain comparison that an index can serve and the planner can estimate, instead of a
    time-zone conversion of every row (which also made PostgreSQL expect 0.5 % of the rows and nest its joins)."""
    zone = timezone.get_current_timezone()
    condition = Q()
    if start > date.min:  # (midnight of 1 January of year 1 in UTC+8 is before year 1 in UTC)
        condition &= Q(**{f"{field}__gte": datetime.combine(start, time.min, tzinfo=zone)})
    if end < date.max:
        condition &= Q(**{f"{field}__lt": datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)})
    return condition


def deductions_by_month(year: int, where: Q = Q()) -> dict[int, Decimal]:
    """{month number: deducted} of the programme year's deductions (those matching `where`), by local month."""
    by_month = (Deduction.objects.filter(where, year=year).annotate(m=TruncMonth("created_at"))
                .values("m").annotate(s=Sum("amount")).values_list("m", "s"))
    spent: dict[int, Decimal] = {}
    for month, amount in by_month:
        _add(spent, month.month, amount)
    return spent


def fund_burn_down(start: date, end: date, *, spent: dict[int, Decimal] | None = None) -> Table:
    """Remaining fund at the end of each month of the end date's year (deductions up to that month); `spent`
    by month number when the caller has it (the rollup's closed months and the open month's)."""
    year = end.year
    fund = Fund.objects.filter(year=year).values_list("total", flat=True).first() or ZERO
    spent = deductions_by_month(year) if spent is None else spent
    table = Table("fund", f"{year} 年度资金消耗（月末剩余）", ["月份", "当月抵扣（元）", "累计抵扣（元）", "剩余资金（元）"])
    cumulative = ZERO
    last_month = end.month if end.year == year else 12
    for month in range(1, last_month + 1):
        cumulative += spent.get(month, ZERO)
        table.rows.append([f"{year}-{month:02d}", spent.get(month, ZERO), cumulative, fund - cumulative])
    table.fund_total = fund
    return table


@dataclass
class VoucherCells:
    """Vouchers claimed in the range (counts, face value) and deductions made in it (amounts), per (service
    category, district) cell. The by-category and the by-district tables are sums of the same cells: one scan
    of the vouchers and one of the deductions serve both (instead of a scan per table)."""
    vouchers: list[dict]
    deducted: list[dict]


def voucher_cells(start: date, end: date) -> VoucherCells:
    vouchers = (Voucher.objects.filter(_in("claimed_at", start, end))
                .annotate(spent=Exists(Deduction.objects.filter(voucher_id=OuterRef("pk"))))
                .values("category", "organisation__district")
                .annotate(claimed=Count("id"), face=Sum("face_value"), used=Count("id", filter=Q(spent=True)),
                          expired=Count("id", filter=Q(state=Voucher.State.EXPIRED)))
                .order_by())
    deducted = (Deduction.objects.filter(_in("created_at", start, end))
                .values("voucher__category", "organisation__district").annotate(s=Sum("amount")).order_by())
    return VoucherCells(list(vouchers), list(deducted))


def vouchers_by(dimension: str, start: date, end: date, *, cells: VoucherCells | None = None) -> Table:
    """Vouchers claimed in the range, by service category or by the holder's district: claimed, with money
    used, expired — counts and amounts. Deducted amounts: deductions made in the range, by the voucher's category
    or by the deducting organisation's district."""
    cells = cells or voucher_cells(start, end)
    by_category = dimension == "category"
    key, d_key = ("category", "voucher__category") if by_category else ("organisation__district",) * 2
    labels = dict(ServiceCategory.choices) if by_category else dict(District.choices)
    rows: dict[str, dict] = {}
    for cell in cells.vouchers:
        _add(rows, cell[key], {figure: cell[figure] for figure in ("claimed", "face", "used", "expired")})
    deducted: dict[str, Decimal] = {}
    for cell in cells.deducted:
        _add(deducted, cell[d_key], cell["s"])
    title = "按服务类别" if by_category else "按区县"
    table = Table(f"vouchers_{dimension}", f"服务券领取、使用、过期情况（{title}）",
                  [title[1:], "领取张数", "领取面额（元）", "已使用张数", "抵扣金额（元）", "过期张数"])
    for value, label in labels.items():
        row = rows.get(value)
        if row is None and value not in deducted:
            continue
        row = row or {"claimed": 0, "face": ZERO, "used": 0, "expired": 0}
        table.rows.append([label, row["claimed"], row["face"] or ZERO, row["used"], deducted.get(value, ZERO),
                           row["expired"]])
    return table


def _add(totals: dict, key, value) -> None:
    """totals[key] += value, figure by figure for a dict; the first value is kept as it is (no `0 +`, so a sum
    keeps the database's decimal places exactly as a single SQL SUM over the group would give them)."""
    if key not in totals:
        totals[key] = dict(value) if isinstance(value, dict) else value
    elif isinstance(value, dict):
        for figure, amount in value.items():
            totals[key][figure] = _plus(totals[key][figure], amount)
    else:
        totals[key] = _plus(totals[key], value)


def _plus(a, b):
    return b if a is None else a if b is None else a + b


def redemption_counts(start: date, end: date) -> dict[str, list]:
    """{state: [claims, claimed amount]} of the redemption claims filed in the range."""
    return {s: [n, a] for s, n, a in RedemptionClaim.objects.filter(_in("created_at", start, end))
            .values("state").annotate(n=Count("id"), a=Sum("claimed_amount")).values_list("state", "n", "a")}


def redemptions_by_state(start: date, end: date, *, counts: dict | None = None) -> Table:
    rows = redemption_counts(start, end) if counts is None else counts
    table = Table("redemptions", "兑付申请（按状态）", ["状态", "件数", "申请金额（元）"])
    for value, label in RedemptionClaim.State.choices:
        if value in rows:
            table.rows.append([label, rows[value][0], rows[value][1] or ZERO])
    return table


def provider_volumes(start: date, end: date, *, limit: int | None = None) -> list[dict]:
    """Per provider with orders signed in the range (cancelled ones aside): orders, volume, rated, satisfied —
    the `limit` largest by volume, or every provider (the rollup sums them over months)."""
    rows = (Order.objects.filter(_in("signed_at", start, end)).exclude(state=Order.State.CANCELLED)
            .values("provider_id")
            .annotate(n=Count("id"), volume=Sum("amount"), rated=Count("id", filter=~Q(satisfaction="")),
                      satisfied=Count("id", filter=Q(satisfaction__in=[Satisfaction.SATISFIED,
                                                                         Satisfaction.BASICALLY_SATISFIED])))
            .order_by("-volume", "provider_id"))
    return list(rows[:limit] if limit else rows)


def provider_ranking(start: date, end: date, *, limit: int = 10, volumes: dict | None = None) -> Table:
    """The `limit` providers with the largest order volume in the range. The orders are grouped by provider id
    alone and the names read for the `limit` winners only (a second, tiny query): joining every order to its
    provider's row before grouping cost more than the grouping itself."""
    if volumes is None:
        rows = provider_volumes(start, end, limit=limit)
    else:  # every provider's figures summed over the months: the same order as the query's
        rows = sorted(({"provider_id": int(pk), **dict(zip(("n", "volume", "rated", "satisfied"), v, strict=True))}
                       for pk, v in volumes.items()), key=lambda row: (-row["volume"], row["provider_id"]))[:limit]
    names = dict(Organisation.objects.filter(pk__in=[row["provider_id"] for row in rows]).values_list("pk", "name"))
    table = Table("providers", f"服务机构排名（按订单金额，前 {limit} 名）",
                  ["服务机构", "订单数", "订单金额（元）", "评价数", "满意率（%）"])
    for row in rows:
        rate = round(row["satisfied"] * 100 / row["rated"], 1) if row["rated"] else None
        table.rows.append([names[row["provider_id"]], row["n"], row["volume"], row["rated"], rate])
    return table


def complaint_counts(start: date, end: date) -> dict[str, int]:
    return dict(Complaint.objects.filter(_in("filed_at", start, end)).values("state").annotate(n=Count("id"))
                .values_list("state", "n"))


def complaints_by_state(start: date, end: date, *, counts: dict | None = None) -> Table:
    rows = complaint_counts(start, end) if counts is None else counts
    table = Table("complaints", "投诉（按状态）", ["状态", "件数"])
    for value, label in Complaint.State.choices:
        table.rows.append([label, rows.get(value, 0)])
    return table


TABLES = {
    "fund": fund_burn_down,
    "vouchers_category": lambda s, e: vouchers_by("category", s, e),
    "vouchers_district": lambda s, e: vouchers_by("district", s, e),
    "redemptions": redemptions_by_state,
    "providers": provider_ranking,
    "complaints": complaints_by_state,
}


# --- SVG geometry ---------------------------------------------------------------------------------------

def _nice_max(value) -> float:
    """The smallest 4 × (1, 2 or 5 × 10^k) at or above `value`, so the four gridlines fall on round numbers."""
    value = float(value or 0)
    if value <= 4:
        return 4.0
    magnitude = 10 ** math.floor(math.log10(value / 4))
    for factor in (1, 2, 5, 10):
        if factor * magnitude * 4 >= value:
            return float(factor * magnitude * 4)
    return float(40 * magnitude)  # pragma: no cover - 10 × magnitude always fits


def bar_chart(labels: list[str], series: list[tuple[str, list]]) -> dict:
    """Grouped bars: one group per label, one bar per series. Returns rectangles and axis ticks."""
    plot_w, plot_h = CHART_WIDTH - PAD_LEFT - 10, CHART_HEIGHT - PAD_BOTTOM - PAD_TOP
    top = _nice_max(max((float(v or 0) for _, values in series for v in values), default=0))
    groups = max(len(labels), 1)
    group_w = plot_w / groups
    bar_w = min(max(group_w * 0.8 / max(len(series), 1), 1), MAX_BAR_WIDTH)
    bars, texts = [], []
    for g, label in enumerate(labels):
        x0 = PAD_LEFT + g * group_w + (group_w - bar_w * len(series)) / 2
        for s, (name, values) in enumerate(series):
            value = float(values[g] or 0)
            h = plot_h * value / top
            bars.append({"x": round(x0 + s * bar_w, 1), "y": round(PAD_TOP + plot_h - h, 1), "w": round(bar_w, 1),
                         "h": round(h, 1), "fill": SERIES_COLOURS[s % len(SERIES_COLOURS)],
                         "title": f"{label} · {name}：{values[g]}"})
        texts.append({"x": round(PAD_LEFT + (g + 0.5) * group_w, 1), "y": CHART_HEIGHT - PAD_BOTTOM + 16, "text": label[:8]})
    ticks = [{"y": round(PAD_TOP + plot_h - plot_h * i / 4, 1), "text": f"{top * i / 4:,.0f}"} for i in range(5)]
    legend = [{"x": PAD_LEFT + i * 120, "fill": SERIES_COLOURS[i % len(SERIES_COLOURS)], "text": name}
              for i, (name, _) in enumerate(series)]
    return {"width": CHART_WIDTH, "height": CHART_HEIGHT, "bars": bars, "labels": texts, "ticks": ticks,
            "legend": legend, "axis_x": PAD_LEFT, "axis_y": PAD_TOP + plot_h, "axis_right": CHART_WIDTH - 10,
            "legend_y": CHART_HEIGHT - 8, "marks": _svg_marks(bars, texts, ticks)}


# The repeated SVG elements are joined here rather than looped over in the template: a page has ~100 bars of six
# attributes each, and rendering them as template variables was a third of the page's Python time.
_TICK = ('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#e3e6ea" stroke-width="1"/><text x="{}" y="{}" font-size="10" '
         'text-anchor="end" dominant-baseline="middle" fill="#555">{}</text>')
_BAR = '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>'
_LABEL = '<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#333">{}{}</text>'
_DOT = '<circle cx="{}" cy="{}" r="3" fill="#1f5fa8"><title>{}</title></circle>'


def _svg_ticks(ticks: list[dict]) -> str:
    return format_html_join("", _TICK, ((PAD_LEFT, CHART_WIDTH - 10, t["y"], t["y"], PAD_LEFT - 6, t["y"], t["text"])
                                        for t in ticks))


def _svg_marks(bars: list[dict], labels: list[dict], ticks: list[dict], *, label_suffix: str = "") -> dict:
    return {"ticks": _svg_ticks(ticks),
            "bars": format_html_join("", _BAR, ((b["x"], b["y"], b["w"], b["h"], b["fill"], b["title"]) for b in bars)),
            "labels": format_html_join("", _LABEL, ((t["x"], t["y"], t["text"], label_suffix) for t in labels))}


def line_chart(labels: list[str], values: list, *, top=None) -> dict:
    plot_w, plot_h = CHART_WIDTH - PAD_LEFT - 10, CHART_HEIGHT - PAD_BOTTOM - PAD_TOP
    top = float(top) if top else _nice_max(max((float(v) for v in values), default=0))
    step = plot_w / max(len(values) - 1, 1)
    points = [(round(PAD_LEFT + i * step, 1), round(PAD_TOP + plot_h - plot_h * float(v) / top, 1))
              for i, v in enumerate(values)]
    chart = {"width": CHART_WIDTH, "height": CHART_HEIGHT,
             "points": " ".join(f"{x},{y}" for x, y in points),
             "dots": [{"x": x, "y": y, "title": f"{labels[i]}：{values[i]}"} for i, (x, y) in enumerate(points)],
             "labels": [{"x": x, "y": CHART_HEIGHT - PAD_BOTTOM + 16, "text": labels[i][5:]}
                        for i, (x, _) in enumerate(points)],
             "ticks": [{"y": round(PAD_TOP + plot_h - plot_h * i / 4, 1), "text": f"{top * i / 4:,.0f}"}
                       for i in range(5)],
             "axis_x": PAD_LEFT, "axis_y": PAD_TOP + plot_h, "axis_right": CHART_WIDTH - 10}
    chart["marks"] = {**_svg_marks([], chart["labels"], chart["ticks"], label_suffix="月"),
                      "dots": format_html_join("", _DOT, ((d["x"], d["y"], d["title"]) for d in chart["dots"]))}
    return chart


def dashboard(start: date, end: date, *, rollup: bool = True) -> dict:
    """Every table and its chart geometry for the range. Closed months wholly inside the range come from the
    nightly rollup (two queries), the rest of the range — the open month, a partial first or last month — is
    computed live (5 aggregate queries per piece, at most two pieces); with `rollup=False`, or while a month of the
    range is missing from the rollup, the whole range is computed live. Either way ≤ 15 queries."""
    plan = _rollup_plan(start, end) if rollup else RollupPlan(live=[(start, end)])
    rolled, rolled_spent = _rolled(plan, end.year)
    figures = _merged([*rolled, *(range_figures(s, e) for s, e in plan.live)])
    cells = VoucherCells(figures["vouchers"], figures["deducted"])
    tables = {
        "fund": fund_burn_down(start, end, spent=_fund_spent(end.year, plan.fund_months, rolled_spent)
                               if rollup else None),
        "vouchers_category": vouchers_by("category", start, end, cells=cells),
        "vouchers_district": vouchers_by("district", start, end, cells=cells),
        "redemptions": redemptions_by_state(start, end, counts=figures["redemptions"]),
        "providers": provider_ranking(start, end, volumes=figures["providers"]),
        "complaints": complaints_by_state(start, end, counts=figures["complaints"]),
    }
    fund = tables["fund"]
    charts = {
        "fund": line_chart([r[0] for r in fund.rows], [r[3] for r in fund.rows], top=fund.fund_total),
        "redemptions": bar_chart([r[0] for r in tables["redemptions"].rows],
                                 [("件数", [r[1] for r in tables["redemptions"].rows])]),
        "providers": bar_chart([r[0] for r in tables["providers"].rows],
                               [("订单金额", [r[2] for r in tables["providers"].rows])]),
        "complaints": bar_chart([r[0] for r in tables["complaints"].rows],
                                [("件数", [r[1] for r in tables["complaints"].rows])]),
    }
    for key in ("vouchers_category", "vouchers_district"):
        rows = tables[key].rows
        charts[key] = bar_chart([r[0] for r in rows], [("领取", [r[1] for r in rows]), ("已使用", [r[3] for r in rows]),
                                                       ("过期", [r[5] for r in rows])])
    return {"tables": tables, "charts": charts, "start": start, "end": end,
            "rollup_months": len(plan.months), "rollup_business_date": plan.business_date}


# --- the nightly rollup of closed months ---------------------------------------------------------------------

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


def _merged(parts) -> dict:
    merged = {"vouchers": [], "deducted": [], "redemptions": {}, "providers": {}, "complaints": {}}
    for part in parts:
        merged["vouchers"] += part["vouchers"]
        merged["deducted"] += part["deducted"]
        for key in ("redemptions", "providers"):
            for k, values in part[key].items():
                merged[key][k] = ([_plus(a, b) for a, b in zip(merged[key][k], values, strict=True)]
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


def _rollup_plan(start: date, end: date) -> RollupPlan:
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


def _rolled(plan: RollupPlan, year: int) -> tuple[list[dict], dict[int, Decimal]]:
    """The rolled months' figures as one part for `_merged`, and the year's deductions by month number."""
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


def _fund_spent(year: int, months: list[date], rolled: dict[int, Decimal]) -> dict[int, Decimal]:
    """Deducted by month number for the year's burn-down: the rolled months' sums, and one live query for the
    deductions outside them (the open month, or every month while the rollup has none)."""
    outside, spans = Q(), []
    for month in sorted(months):
        if spans and spans[-1][1] == month - timedelta(days=1):
            spans[-1][1] = _month_end(month)
        else:
            spans.append([month, _month_end(month)])
    for first, last in spans:
        outside &= ~_in("created_at", first, last)
    spent = deductions_by_month(year, outside)
    for month, amount in rolled.items():
        _add(spent, month, amount)
    return spent


def _month_spent(first: date, last: date) -> dict[str, Decimal]:
    return {str(year): amount for year, amount in Deduction.objects.filter(_in("created_at", first, last))
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


def dashboard_cache_key(start: date, end: date) -> str:
    return f"audit:dashboard:{start.isoformat()}:{end.isoformat()}"


def dashboard_cached(start: date, end: date, *, refresh: bool = False) -> dict:
    """`dashboard(start, end)` computed at most once per DASHBOARD_CACHE_SECONDS per range, with `computed_at`
    so the page can say how fresh its figures are; `refresh` recomputes now (the page's 立即刷新)."""
    key = dashboard_cache_key(start, end)
    context = None if refresh else cache.get(key)
    if context is None:
        context = {**dashboard(start, end), "computed_at": timezone.now()}
        if settings.DASHBOARD_CACHE_SECONDS > 0:
            cache.set(key, context, settings.DASHBOARD_CACHE_SECONDS)
    return context


def table_xlsx(table: Table, *, start: date, end: date) -> bytes:
    from openpyxl import Workbook  # loaded on export only
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.key[:31])
    for column in range(len(table.columns)):
        sheet.column_dimensions[get_column_letter(column + 1)].width = 18
    sheet.append(row(sheet, [table.title], bold=True, size=13))
    sheet.append(row(sheet, [f"统计期间：{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"]))
    sheet.append(row(sheet, table.columns, bold=True))
    for values in table.rows:
        sheet.append(row(sheet, values))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
