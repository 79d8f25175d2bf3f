"""Bureau dashboard: staff only, figures right, SVG charts without inline style or script, Excel downloads,
a reversed date range refused in Chinese, and a bounded number of queries whatever the data volume."""
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from hangqifu.accounts.roles import Role
from supervision import dashboard, dashboard_figures

from .insight_factories import buyer_org, deducted_order, order, provider_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(set_clock):
    set_clock("2026-06-01T09:00:00+08:00")
    busy, quiet = provider_org(name="杭州繁忙服务有限公司"), provider_org(name="杭州清闲服务有限公司")
    for _ in range(3):
        deducted_order(busy, amount="10000.00", deduction="5000.00")
    deducted_order(quiet, amount="2000.00", deduction="1000.00")
    order(buyer_org(), quiet, amount="3000.00")
    return busy, quiet


@pytest.mark.parametrize("role", [Role.BUREAU, Role.FINANCE_BUREAU, Role.SERVICE_CENTER])
def test_staff_see_the_dashboard_with_svg_charts(data, client, make_user, role, django_assert_max_num_queries):
    client.force_login(make_user(role=role))
    with django_assert_max_num_queries(15):
        response = client.get(reverse("audit:dashboard"), {"start": "2026-01-01", "end": "2026-06-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<svg") >= 6 and "<polyline" in html
    assert "style=" not in html.split("<main", 1)[-1] and "<script>" not in html
    assert html.index("杭州繁忙服务有限公司") < html.index("杭州清闲服务有限公司")  # ranked by volume


def test_queries_stay_bounded_as_data_grows(data, client, make_user, django_assert_max_num_queries):
    busy, _ = data
    for _ in range(15):
        deducted_order(provider_org(), amount="1000.00", deduction="500.00")
        order(buyer_org(), busy)
    client.force_login(make_user(role=Role.BUREAU))
    with django_assert_max_num_queries(15):
        assert client.get(reverse("audit:dashboard")).status_code == 200


@pytest.fixture
def cached_dashboard(settings):
    """The 60 s cache of production (the test settings turn it off); the entry is removed afterwards so no
    other test of this process sees it."""
    from datetime import date

    from django.core.cache import cache

    settings.DASHBOARD_CACHE_SECONDS = 60
    key = dashboard.dashboard_cache_key(date(2026, 1, 1), date(2026, 6, 1))
    cache.delete(key)
    yield
    cache.delete(key)


def test_figures_are_computed_at_most_once_a_minute_and_say_when(data, client, make_user, cached_dashboard,
                                                                 django_assert_max_num_queries):
    # given a dashboard cached for 60 s
    busy, _ = data
    client.force_login(make_user(role=Role.BUREAU))
    url, params = reverse("audit:dashboard"), {"start": "2026-01-01", "end": "2026-06-01"}
    first = client.get(url, params).content.decode()
    assert "数据更新于" in first and "每 60 秒内最多计算一次" in first
    # when a new order arrives, the cached page still shows the figures it says it computed earlier …
    order(buyer_org(), busy, amount="7777.00")
    with django_assert_max_num_queries(4):  # session, user, unread notifications: no figure query
        cached = client.get(url, params).content.decode()
    assert "7777" not in cached and "47777" not in cached
    # … and 立即刷新 recomputes at once
    refreshed = client.get(url, {**params, "refresh": "1"}).content.decode()
    assert "37777" in refreshed.replace(",", "")  # the busy provider's order volume: 3 × 10000 + 7777


def test_figures_of_the_burn_down_and_the_ranking(data):
    start, end = dashboard.parse_range("2026-01-01", "2026-06-01")
    fund = dashboard_figures.fund_burn_down(start, end)
    assert fund.rows[-1][0] == "2026-06" and fund.rows[-1][2] == 16000  # 3 × 5000 + 1000 deducted in June
    assert fund.rows[-1][3] == fund.fund_total - 16000
    ranking = dashboard_figures.provider_ranking(start, end)
    assert ranking.rows[0][:3] == ["杭州繁忙服务有限公司", 3, 30000]
    assert ranking.rows[1][:2] == ["杭州清闲服务有限公司", 2]


def test_a_reversed_range_is_refused_in_chinese(client, make_user):
    client.force_login(make_user(role=Role.BUREAU))
    response = client.get(reverse("audit:dashboard"), {"start": "2026-06-01", "end": "2026-01-01"})
    assert response.status_code == 400
    assert "结束日期不能早于开始日期" in response.content.decode()
    export = client.get(reverse("audit:dashboard-export", args=["fund"]), {"start": "2026-06-01", "end": "2026-01-01"})
    assert export.status_code == 400


def test_each_chart_downloads_as_excel(data, client, make_user):
    client.force_login(make_user(role=Role.FINANCE_BUREAU))
    for key in dashboard.TABLES:
        response = client.get(reverse("audit:dashboard-export", args=[key]), {"start": "2026-01-01",
                                                                              "end": "2026-06-01"})
        assert response.status_code == 200, key
        sheet = load_workbook(BytesIO(response.content)).active
        assert sheet["A2"].value == "统计期间：2026-01-01 至 2026-06-01"
    providers = load_workbook(BytesIO(client.get(reverse("audit:dashboard-export", args=["providers"])).content)).active
    assert providers["A4"].value == "杭州繁忙服务有限公司" and providers["C4"].value == 30000


def test_others_cannot_open_the_dashboard(client, make_user):
    client.force_login(make_user(role=Role.ENTERPRISE))
    assert client.get(reverse("audit:dashboard")).status_code == 403
    assert client.get(reverse("audit:dashboard-export", args=["fund"])).status_code == 403


def test_a_voucher_spent_on_two_orders_counts_once(set_clock):
    from decimal import Decimal

    from django.db.models import F

    from vouchers.models import Deduction, Voucher

    set_clock("2026-06-01T09:00:00+08:00")
    first = deducted_order(provider_org(), amount="10000.00", deduction="5000.00")
    second = deducted_order(provider_org(), amount="4000.00", deduction="2000.00", buyer=first.buyer)
    Deduction.objects.filter(order=second).update(voucher=first.deduction.voucher)
    # the balances follow the moved deduction (PostgreSQL refuses a deduction beside its voucher's balance)
    Voucher.objects.filter(pk=first.deduction.voucher_id).update(balance=F("balance") - Decimal("2000.00"))
    Voucher.objects.filter(pk=second.deduction.voucher_id).update(balance=F("face_value"))
    start, end = dashboard.parse_range("2026-01-01", "2026-06-01")
    row = dashboard_figures.vouchers_by("category", start, end).rows[0]
    assert row[0] == "数字赋能" and row[1] == 2 and row[3] == 1 and row[4] == Decimal("7000.00")
