"""The bureau dashboard's figures (第十六、十九条 监督): fund burn-down over the year, vouchers claimed / used /
expired by category and by district, redemptions by state, provider ranking by volume and satisfaction,
complaints. Each figure is one aggregate query (bounded, whatever the data volume) and becomes a `Table`: what
its chart draws (dashboard_charts.py) and what its Excel download contains."""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from hangqifu.accounts.models import Organisation
from hangqifu.core.choices import District, ServiceCategory
from redemption.models import RedemptionClaim
from vouchers.models import Deduction, Fund, Order, Satisfaction, Voucher

from .models import Complaint

ZERO = Decimal("0.00")


@dataclass
class Table:
    """One chart's data: what the chart draws and what its Excel download contains."""
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)



def within(field: str, start: date, end: date) -> Q:
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
        add_to(spent, month.month, amount)
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
    vouchers = (Voucher.objects.filter(within("claimed_at", start, end))
                .annotate(spent=Exists(Deduction.objects.filter(voucher_id=OuterRef("pk"))))
                .values("category", "organisation__district")
                .annotate(claimed=Count("id"), face=Sum("face_value"), used=Count("id", filter=Q(spent=True)),
                          expired=Count("id", filter=Q(state=Voucher.State.EXPIRED)))
                .order_by())
    deducted = (Deduction.objects.filter(within("created_at", start, end))
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
        add_to(rows, cell[key], {figure: cell[figure] for figure in ("claimed", "face", "used", "expired")})
    deducted: dict[str, Decimal] = {}
    for cell in cells.deducted:
        add_to(deducted, cell[d_key], cell["s"])
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


def add_to(totals: dict, key, value) -> None:
    """totals[key] += value, figure by figure for a dict; the first value is kept as it is (no `0 +`, so a sum
    keeps the database's decimal places exactly as a single SQL SUM over the group would give them)."""
    if key not in totals:
        totals[key] = dict(value) if isinstance(value, dict) else value
    elif isinstance(value, dict):
        for figure, amount in value.items():
            totals[key][figure] = plus(totals[key][figure], amount)
    else:
        totals[key] = plus(totals[key], value)


def plus(a, b):
    return b if a is None else a if b is None else a + b


def redemption_counts(start: date, end: date) -> dict[str, list]:
    """{state: [claims, claimed amount]} of the redemption claims filed in the range."""
    return {s: [n, a] for s, n, a in RedemptionClaim.objects.filter(within("created_at", start, end))
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
    rows = (Order.objects.filter(within("signed_at", start, end)).exclude(state=Order.State.CANCELLED)
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
    for provider in rows:
        rate = round(provider["satisfied"] * 100 / provider["rated"], 1) if provider["rated"] else None
        table.rows.append([names[provider["provider_id"]], provider["n"], provider["volume"], provider["rated"], rate])
    return table


def complaint_counts(start: date, end: date) -> dict[str, int]:
    return dict(Complaint.objects.filter(within("filed_at", start, end)).values("state").annotate(n=Count("id"))
                .values_list("state", "n"))


def complaints_by_state(start: date, end: date, *, counts: dict | None = None) -> Table:
    rows = complaint_counts(start, end) if counts is None else counts
    table = Table("complaints", "投诉（按状态）", ["状态", "件数"])
    for value, label in Complaint.State.choices:
        table.rows.append([label, rows.get(value, 0)])
    return table

