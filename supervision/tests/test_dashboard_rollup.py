"""The dashboard's nightly rollup of closed months: the page reads closed months from it and computes the open
month live, and every figure equals the whole range computed live — right after the job, for ranges that begin
or end inside a month, and again after a closed month's figures moved (a voucher expired, an order cancelled, a
redemption claim decided, a complaint answered) once the next business day's run has recomputed the month. A
second run on the same business day computes nothing."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supervision import dashboard, statements
from supervision.jobs import dashboard_rollup_nightly
from supervision.models import Complaint, DashboardMonth
from redemption.models import RedemptionClaim
from vouchers.models import Order, Voucher

from .test_dashboard_figures import END, START, at, programme  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
CLOSED = ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
RANGES = [(START, END), (date(2026, 1, 15), END), (date(2026, 2, 1), date(2026, 4, 20)),
          (date(2025, 12, 1), date(2025, 12, 31)), (date(2025, 12, 31), date(2026, 1, 1))]


def _figures(context: dict) -> dict:
    return {key: (table.title, table.columns, table.rows) for key, table in context["tables"].items()} | {
        "fund_total": context["tables"]["fund"].fund_total, "charts": context["charts"]}


def _same_as_live(start, end) -> dict:
    with CaptureQueriesContext(connection) as captured:
        rolled = dashboard.dashboard(start, end)
    live = dashboard.dashboard(start, end, rollup=False)
    assert _figures(rolled) == _figures(live), (start, end)
    assert len(captured) <= 15
    return rolled


def test_closed_months_come_from_the_rollup_and_equal_the_live_figures(programme):
    assert dashboard.dashboard(START, END)["rollup_months"] == 0  # before the first run: all live
    first = dashboard_rollup_nightly()
    assert first["computed"] == CLOSED  # from the first claim (31 December 2025) to May; June is open
    assert [m.strftime("%Y-%m") for m in DashboardMonth.objects.values_list("month", flat=True)] == CLOSED
    for start, end in RANGES:
        _same_as_live(start, end)
    context = _same_as_live(START, END)
    assert context["rollup_months"] == 5 and context["rollup_business_date"] == date(2026, 6, 1)
    january = DashboardMonth.objects.get(month=date(2026, 1, 1)).figures
    assert january["spent"] == {} and january["complaints"] == {}
    assert DashboardMonth.objects.get(month=date(2025, 12, 1)).figures["spent"] == {"2026": "1000.00"}
    # the same business day again: nothing to do, nothing changed
    assert dashboard_rollup_nightly() == {"computed": []}


def test_a_correction_to_a_closed_month_is_picked_up_by_the_next_nightly_run(programme, set_clock):
    dashboard_rollup_nightly()
    # a closed month's figures move: January's voucher expires, January's order is cancelled, the claims filed
    # in the range are rejected, March's complaint is resolved
    Voucher.objects.filter(claimed_at=at("2026-01-01T00:00:00")).update(state=Voucher.State.EXPIRED)
    Order.objects.filter(signed_at=at("2026-01-01T00:00:00")).update(state=Order.State.CANCELLED)
    RedemptionClaim.objects.filter(created_at__gte=at("2026-01-01T00:00:00")).update(
        state=RedemptionClaim.State.REJECTED)
    Complaint.objects.filter(tracking_number="TS0001").update(state=Complaint.State.RESOLVED)
    live = dashboard.dashboard(START, END, rollup=False)
    stale = dashboard.dashboard(START, END)
    assert _figures(stale) != _figures(live)  # until tonight's run, the closed months are as of last night
    assert dashboard_rollup_nightly() == {"computed": []}  # the same business day: not again

    set_clock("2026-06-02T01:00:00+08:00")
    assert dashboard_rollup_nightly()["computed"] == CLOSED
    for start, end in RANGES:
        _same_as_live(start, end)
    tables = dashboard.dashboard(START, END)["tables"]
    assert dict((row[0], row[5]) for row in tables["vouchers_category"].rows)["法律维权"] == 1
    assert tables["redemptions"].rows == [["不予兑付", 2, Decimal("6000.00")]]
    assert dict(tables["complaints"].rows)["已办结"] == 1


def test_only_the_last_months_are_recomputed_every_day(programme, set_clock, settings):
    settings.DASHBOARD_ROLLUP_MONTHS = 2
    dashboard_rollup_nightly()
    set_clock("2026-06-02T01:00:00+08:00")
    assert dashboard_rollup_nightly()["computed"] == ["2026-04", "2026-05"]
    DashboardMonth.objects.filter(month=date(2026, 2, 1)).delete()
    set_clock("2026-06-03T01:00:00+08:00")
    assert dashboard_rollup_nightly()["computed"] == ["2026-02", "2026-04", "2026-05"]  # a missing month, always


def test_both_databases_sum_the_rolled_months_to_the_same_rows(programme):
    """PostgreSQL sums the stored JSON in SQL; SQLite (`make run`) reads the months and sums them in Decimal: the
    two variants of `rolled_month_sums` give the same groups and the same totals for the same months."""
    dashboard_rollup_nightly()
    months = list(DashboardMonth.objects.values_list("month", flat=True))
    by_key = lambda rows: {row[:3]: row[3:] for row in rows}  # noqa: E731

    in_database = by_key(statements.rolled_month_sums(months, months, 2026))
    summed_here = by_key(statements._summed_here(months, months, 2026))

    assert in_database == summed_here
    assert {key[0] for key in in_database} >= {"v", "d", "s"}
