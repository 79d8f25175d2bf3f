"""第六条 / 第八条 as rules: the MIIT size table at its boundaries, versions of the table, operating years,
the credit lists, park recognition and the quota tiers."""
from datetime import date
from decimal import Decimal

import pytest

from hangqifu.core.choices import Honour
from registration.models import CreditListEntry, SizeThreshold, Tier
from registration.selectors import eligibility

pytestmark = pytest.mark.django_db
WAN = Decimal("10000")
ON = date(2026, 6, 1)


def size(industry, employees=None, revenue_wan=None, assets_wan=None, on=ON):
    return eligibility.classify_size(
        industry=industry, employees=employees,
        revenue=None if revenue_wan is None else Decimal(str(revenue_wan)) * WAN,
        total_assets=None if assets_wan is None else Decimal(str(assets_wan)) * WAN, on=on).size_class


@pytest.mark.parametrize("industry,employees,revenue_wan,assets_wan,expected", [
    # 工业: 1000 人 / 40000 万元; 中型 300 人且 2000 万; 小型 20 人且 300 万
    ("industry", 1000, 40000, None, "large"),
    ("industry", 999, 40000, None, "medium"),
    ("industry", 1000, "39999.99", None, "medium"),
    ("industry", 300, 2000, None, "medium"),
    ("industry", 299, 2000, None, "small"),
    ("industry", 300, "1999.99", None, "small"),
    ("industry", 20, 300, None, "small"),
    ("industry", 19, 300, None, "micro"),
    ("industry", 20, "299.99", None, "micro"),
    # 软件和信息技术服务业: 300 人 / 10000 万; 中型 100 人且 1000 万; 小型 10 人且 50 万
    ("software_it", 300, 10000, None, "large"),
    ("software_it", 299, 10000, None, "medium"),
    ("software_it", 100, 1000, None, "medium"),
    ("software_it", 99, 1000, None, "small"),
    ("software_it", 10, 50, None, "small"),
    ("software_it", 9, 50, None, "micro"),
    ("software_it", 10, "49.99", None, "micro"),
    # 信息传输业: 2000 人 / 100000 万; 中型 100 人且 1000 万; 小型 10 人且 100 万
    ("information_transmission", 2000, 100000, None, "large"),
    ("information_transmission", 1999, 100000, None, "medium"),
    ("information_transmission", 100, 1000, None, "medium"),
    ("information_transmission", 10, 100, None, "small"),
    ("information_transmission", 10, "99.99", None, "micro"),
    # 租赁和商务服务业: 300 人 / 资产 120000 万; 中型 100 人且 8000 万; 小型 10 人且 100 万（资产总额）
    ("leasing_business", 300, None, 120000, "large"),
    ("leasing_business", 300, None, "119999.99", "medium"),
    ("leasing_business", 100, None, 8000, "medium"),
    ("leasing_business", 100, None, "7999.99", "small"),
    ("leasing_business", 10, None, 100, "small"),
    ("leasing_business", 9, None, 100, "micro"),
    # 其他未列明行业: 300 人; 中型 100 人; 小型 10 人
    ("other", 300, None, None, "large"),
    ("other", 299, None, None, "medium"),
    ("other", 100, None, None, "medium"),
    ("other", 99, None, None, "small"),
    ("other", 10, None, None, "small"),
    ("other", 9, None, None, "micro"),
])
def test_size_classification_at_the_2011_boundaries(industry, employees, revenue_wan, assets_wan, expected):
    assert size(industry, employees, revenue_wan, assets_wan) == expected


def test_missing_figures_give_no_class_and_say_which():
    result = eligibility.classify_size(industry="industry", employees=50, revenue=None, total_assets=None, on=ON)
    assert result.size_class is None and "营业收入" in result.explanation


def test_a_newer_version_of_the_standard_applies_from_its_effective_date():
    # given a revised standard for “other” from 2027 with a small floor of 20 staff
    for size_class, employees in (("large", 300), ("medium", 100), ("small", 20)):
        SizeThreshold.objects.create(industry="other", size_class=size_class, employees_min=employees,
                                     effective_from=date(2027, 1, 1), source="修订标准")
    # then 15 staff is small under the 2011 rows and micro under the new ones
    assert size("other", 15, on=date(2026, 12, 31)) == "small"
    assert size("other", 15, on=date(2027, 1, 1)) == "micro"


@pytest.mark.parametrize("established,on,expected", [
    (date(2025, 6, 1), date(2026, 6, 1), True),     # exactly one year: inclusive
    (date(2025, 6, 2), date(2026, 6, 1), False),    # one day short
    (date(2024, 2, 29), date(2025, 2, 28), True),   # leap day: the month's last day
    (date(2024, 2, 29), date(2025, 2, 27), False),
])
def test_operating_at_least_one_year_is_inclusive(established, on, expected):
    assert eligibility.operating_years_met(established, on, 1) is expected


def test_credit_lists_count_entries_in_force_on_the_date():
    code = "91330106MA0000001X"
    CreditListEntry.objects.create(list_kind="severe_dishonesty", credit_code=code, listed_on=date(2026, 3, 1),
                                   removed_on=date(2026, 9, 1))
    assert eligibility.credit_list_hits(code, date(2026, 2, 28)) == []
    assert len(eligibility.credit_list_hits(code, date(2026, 6, 1))) == 1
    assert eligibility.credit_list_hits(code, date(2026, 9, 1)) == []


def test_park_recognition_counts_only_within_its_period():
    from registration.models import ParkRecognition

    ParkRecognition.objects.create(credit_code="X" * 18, park_name="园", recognised_on=date(2024, 1, 1),
                                   valid_until=date(2026, 12, 31))
    assert eligibility.park_recognition("X" * 18, date(2026, 12, 31)) is not None
    assert eligibility.park_recognition("X" * 18, date(2027, 1, 1)) is None
    assert eligibility.park_recognition("X" * 18, date(2023, 12, 31)) is None


@pytest.mark.parametrize("honours,tier", [
    ([], Tier.DEFAULT),
    ([Honour.NEW_ABOVE_SCALE], Tier.TIER2),
    ([Honour.INNOVATIVE_SME], Tier.TIER2),
    *[([h], Tier.TIER3) for h in (Honour.PROVINCIAL_SRDI, Honour.PROVINCIAL_HIDDEN_CHAMPION,
                                  Honour.NATIONAL_LITTLE_GIANT, Honour.PROVINCIAL_SRDI_PARK, Honour.HIGH_STAR_PARK)],
    ([Honour.INNOVATIVE_SME, Honour.NATIONAL_LITTLE_GIANT], Tier.TIER3),
])
def test_tier_is_the_highest_confirmed_honour(honours, tier):
    assert eligibility.tier_for(honours) == tier
