"""Bureau dashboard (第十六、十九条 监督): the programme at a glance for a date range — fund burn-down over the year,
vouchers claimed / used / expired by category and by district, redemptions by state, provider ranking by volume
and satisfaction, complaints — each table with its chart and downloadable as Excel.

The figures are in dashboard_figures.py, the chart geometry in dashboard_charts.py, the nightly rollup of closed
months in dashboard_rollup.py; this module puts them together for a date range, caches the result and writes
the Excel downloads."""
from datetime import date
from io import BytesIO

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput
from hangqifu.core.xlsx import row

from .dashboard_charts import bar_chart, line_chart
from .dashboard_figures import (
    Table,
    VoucherCells,
    complaints_by_state,
    fund_burn_down,
    provider_ranking,
    redemptions_by_state,
    vouchers_by,
)
from .dashboard_rollup import RollupPlan, fund_spent, merged_figures, range_figures, rolled_figures, rollup_plan


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


TABLES = {
    "fund": fund_burn_down,
    "vouchers_category": lambda s, e: vouchers_by("category", s, e),
    "vouchers_district": lambda s, e: vouchers_by("district", s, e),
    "redemptions": redemptions_by_state,
    "providers": provider_ranking,
    "complaints": complaints_by_state,
}


def dashboard(start: date, end: date, *, rollup: bool = True) -> dict:
    """Every table and its chart geometry for the range. Closed months wholly inside the range come from the
    nightly rollup (two queries), the rest of the range — the open month, a partial first or last month — is
    computed live (5 aggregate queries per piece, at most two pieces); with `rollup=False`, or while a month of the
    range is missing from the rollup, the whole range is computed live. Either way ≤ 15 queries."""
    plan = rollup_plan(start, end) if rollup else RollupPlan(live=[(start, end)])
    rolled, rolled_spent = rolled_figures(plan, end.year)
    figures = merged_figures([*rolled, *(range_figures(s, e) for s, e in plan.live)])
    cells = VoucherCells(figures["vouchers"], figures["deducted"])
    tables = {
        "fund": fund_burn_down(start, end, spent=fund_spent(end.year, plan.fund_months, rolled_spent)
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
