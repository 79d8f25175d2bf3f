"""Bureau dashboard figures against sums computed by hand on a small fixture (the aggregates are
written for speed — date ranges as plain comparisons of instants, one pass for both voucher tables, the ranking
grouped by provider id; the figures must stay exactly what they were). The fixture sits on the range's edges in
local time (UTC+8): a row at 00:00 of the first day and at 23:59:59 of the last day is in, a second earlier or
later is out."""
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F

from hangqifu.core.choices import ServiceCategory
from supervision import dashboard_figures as figures
from supervision.models import Complaint
from vouchers.models import Deduction, Order, Voucher

from .insight_factories import buyer_org, claim_with_invoice, deducted_order, order, provider_org

pytestmark = pytest.mark.django_db
LOCAL = ZoneInfo("Asia/Shanghai")
START, END = date(2026, 1, 1), date(2026, 6, 1)
FACE = Decimal("500000.00")  # the face value of the factories' voucher type


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL)


def _voucher_of(an_order: Order) -> Voucher:
    return Deduction.objects.get(order=an_order).voucher


@pytest.fixture
def programme(set_clock):
    set_clock("2026-06-01T09:00:00+08:00")
    busy, quiet = provider_org(name="杭州繁忙服务有限公司"), provider_org(name="杭州清闲服务有限公司")
    xihu, binjiang, xihu_too = buyer_org(district="xihu"), buyer_org(district="binjiang"), buyer_org(district="xihu")

    # v1 (xihu, digital): claimed today, spent twice (5000 + 2000): claimed once, used once
    first = deducted_order(busy, amount="10000.00", deduction="5000.00", buyer=xihu)
    second = deducted_order(busy, amount="4000.00", deduction="2000.00", buyer=xihu)
    v1 = _voucher_of(first)
    v2 = _voucher_of(second)  # v2 (xihu, digital): claimed, never spent once its deduction moves to v1
    Deduction.objects.filter(order=second).update(voucher=v1)
    # the balances follow the moved deduction (PostgreSQL refuses a deduction beside its voucher's balance)
    Voucher.objects.filter(pk=v1.pk).update(balance=F("balance") - Decimal("2000.00"))
    Voucher.objects.filter(pk=v2.pk).update(balance=F("face_value"))
    # v3 (binjiang, legal): claimed at 00:00 of the first day (in); its deduction a second before (out of the range)
    third = deducted_order(quiet, amount="2000.00", deduction="1000.00", buyer=binjiang)
    v3 = _voucher_of(third)
    Voucher.objects.filter(pk=v3.pk).update(category=ServiceCategory.LEGAL, claimed_at=at("2026-01-01T00:00:00"))
    Deduction.objects.filter(order=third).update(created_at=at("2025-12-31T23:59:59"))
    # v4 (xihu, legal): claimed a second before the range (out); its deduction on the last day at 23:59:59 (in)
    fourth = deducted_order(quiet, amount="3000.00", deduction="1500.00", buyer=xihu_too)
    v4 = _voucher_of(fourth)
    Voucher.objects.filter(pk=v4.pk).update(category=ServiceCategory.LEGAL, claimed_at=at("2025-12-31T23:59:59"))
    Deduction.objects.filter(order=fourth).update(created_at=at("2026-06-01T23:59:59"))
    # v5 (binjiang, digital): claimed, spent, then expired; v6 (binjiang, digital) claimed the day after the range
    fifth = deducted_order(quiet, amount="1000.00", deduction="500.00", buyer=binjiang)
    Voucher.objects.filter(pk=_voucher_of(fifth).pk).update(state=Voucher.State.EXPIRED)
    sixth = deducted_order(quiet, amount="1000.00", deduction="400.00", buyer=binjiang)
    Voucher.objects.filter(pk=_voucher_of(sixth).pk).update(claimed_at=at("2026-06-02T00:00:00"))
    Deduction.objects.filter(order=sixth).update(created_at=at("2026-06-02T00:00:00"))

    # orders without deductions: cancelled (out), rated dissatisfied (in), signed before the range (out)
    Order.objects.filter(pk=order(buyer_org(), quiet, amount="9000.00").pk).update(state=Order.State.CANCELLED)
    order(buyer_org(), quiet, amount="3000.00", state=Order.State.RATED, satisfaction="dissatisfied")
    order(buyer_org(), busy, amount="8000.00", signed_at=at("2025-12-31T23:59:59"))
    Order.objects.filter(pk=sixth.pk).update(signed_at=at("2026-06-02T00:00:00"))
    Order.objects.filter(pk=fourth.pk).update(signed_at=at("2026-01-01T00:00:00"))

    # two claims in the range, one filed before it; complaints: one in, one after
    claim_with_invoice(busy, "INV00000001", order_obj=first)
    claim_with_invoice(quiet, "INV00000002", order_obj=third)
    old = claim_with_invoice(quiet, "INV00000003", order_obj=fourth)
    type(old).objects.filter(pk=old.pk).update(created_at=at("2025-12-31T23:59:59"))
    for number, filed in (("TS0001", "2026-03-01T10:00:00"), ("TS0002", "2026-06-02T00:00:00")):
        Complaint.objects.create(tracking_number=number, complainant_name="张三", subject="服务质量", content="……",
                                 filed_at=at(filed), due_on=date(2026, 7, 1))


def test_the_voucher_tables_by_category_and_by_district(programme):
    cells = figures.voucher_cells(START, END)
    by_category = figures.vouchers_by("category", START, END)
    by_district = figures.vouchers_by("district", START, END)
    # claimed in the range: v1, v2, v5 (digital) and v3 (legal); used: v1, v5, v3; expired: v5
    # deducted in the range: v1's 5000 + 2000, v5's 500 (digital); v4's 1500 (legal, claimed before the range)
    assert by_category.rows == [["数字赋能", 3, 3 * FACE, 2, Decimal("7500.00"), 1],
                                ["法律维权", 1, FACE, 1, Decimal("1500.00"), 0]]
    # by district: xihu v1, v2 and the deductions of v1 and v4; binjiang v3, v5 and v5's deduction
    assert by_district.rows == [["西湖区", 2, 2 * FACE, 1, Decimal("8500.00"), 0],
                                ["滨江区", 2, 2 * FACE, 2, Decimal("500.00"), 1]]
    # the page computes both tables from one pair of queries: the same rows
    assert figures.vouchers_by("category", START, END, cells=cells).rows == by_category.rows
    assert figures.vouchers_by("district", START, END, cells=cells).rows == by_district.rows


def test_a_range_of_one_day_takes_the_whole_local_day(programme):
    day = date(2026, 1, 1)
    assert figures.vouchers_by("category", day, day).rows == [["法律维权", 1, FACE, 1, Decimal("0.00"), 0]]
    last = date(2026, 6, 1)
    assert figures.vouchers_by("district", last, last).rows == [
        ["西湖区", 2, 2 * FACE, 1, Decimal("8500.00"), 0], ["滨江区", 1, FACE, 1, Decimal("500.00"), 1]]


def test_the_ranking_the_burn_down_the_claims_and_the_complaints(programme):
    ranking = figures.provider_ranking(START, END)
    # busy: the two deducted orders (10000 + 4000), both satisfied; the 8000 order was signed before the range
    # quiet: 2000 + 3000 (moved to the first day) + 1000 + the rated 3000; the cancelled and the June 2 ones are out
    assert ranking.rows == [["杭州繁忙服务有限公司", 2, Decimal("14000.00"), 2, 100.0],
                            ["杭州清闲服务有限公司", 4, Decimal("9000.00"), 4, 75.0]]
    fund = figures.fund_burn_down(START, END)
    # the year's deductions by local month: 1000 on 31 December 2025 (month 12, not shown up to June), the rest
    # in June (5000 + 2000 + 1500 + 500 + 400 on 2 June)
    assert [row[:3] for row in fund.rows] == [[f"2026-{m:02d}", Decimal("0.00"), Decimal("0.00")] for m in range(1, 6)] + [
        ["2026-06", Decimal("9400.00"), Decimal("9400.00")]]
    assert fund.rows[-1][3] == fund.fund_total - Decimal("9400.00")
    assert figures.redemptions_by_state(START, END).rows == [["待形式预审", 2, Decimal("6000.00")]]
    assert dict((label, n) for label, n in figures.complaints_by_state(START, END).rows)["已受理"] == 1


def test_the_page_shows_the_hand_computed_figures(programme, client, make_user):
    from hangqifu.accounts.roles import Role

    client.force_login(make_user(role=Role.BUREAU))
    html = client.get("/audit/dashboard/", {"start": "2026-01-01", "end": "2026-06-01"}).content.decode()
    # (SQLite sums decimals without their trailing zeros; PostgreSQL keeps the column's two places)
    assert re.search(r"<tr><td>西湖区</td><td>2</td><td>1000000(\.00)?</td><td>1</td><td>8500(\.00)?</td><td>0</td></tr>",
                     html)
    assert re.search(r"<tr><td>杭州清闲服务有限公司</td><td>4</td><td>9000(\.00)?</td><td>4</td><td>75\.0</td></tr>", html)
