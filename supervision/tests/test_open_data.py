"""Open data: the public statistics page and API, no login, aggregates only."""
import pytest
from django.urls import reverse

from .insight_factories import deducted_order, provider_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(set_clock):
    set_clock("2026-06-01T09:00:00+08:00")
    from vouchers.tests.money_factories import provider_user

    provider_user()  # one admitted provider
    deducted_order(provider_org(), amount="10000.00", deduction="5000.00")


def test_the_public_page_needs_no_login(data, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = client.get(reverse("audit:open-data"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "数字赋能" in html and "西湖区" in html and "¥5,000.00" in html
    assert "入驻服务机构" in html


def test_the_public_api_gives_totals_by_category_and_district(data, api_client):
    response = api_client.get("/api/v1/open-data/", {"year": 2026})
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2026 and body["admitted_providers"] == 1
    assert body["deducted_total"] == "5000.00"
    digital = next(r for r in body["by_category"] if r["id"] == "digital_empowerment")
    assert digital["deducted_total"] == "5000.00" and digital["vouchers_claimed"] == 1
    xihu = next(r for r in body["by_district"] if r["id"] == "xihu")
    assert xihu["deducted_total"] == "5000.00"
    assert "organisation" not in str(body)


def test_a_bad_year_is_a_clear_error(api_client):
    response = api_client.get("/api/v1/open-data/", {"year": "abc"})
    assert response.status_code == 400 and response.json()["code"] == "invalid"
