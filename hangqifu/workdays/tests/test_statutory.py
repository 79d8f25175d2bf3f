"""The statutory holidays fixed by law, computed for years without the State Council's schedule, checked
against the years the schedule is known (chinese_calendar's official data) and at their boundaries."""
from datetime import date, timedelta

import chinese_calendar
import pytest

from hangqifu.workdays.official import fallback_row, has_official_data
from hangqifu.workdays.statutory import provisional_days, statutory_holidays

LAW_DAYS = {"元旦": 1, "春节": 4, "清明节": 1, "劳动节": 2, "端午节": 1, "中秋节": 1, "国庆节": 3}


@pytest.mark.parametrize("year", [2025, 2026])  # the amended law applies from 2025
def test_every_computed_statutory_day_is_off_in_the_official_schedule(year):
    assert has_official_data(year)
    for day in statutory_holidays(year):
        assert not chinese_calendar.is_workday(day), day


@pytest.mark.parametrize("year", [2025, 2026, 2027, 2028])
def test_the_law_gives_thirteen_days_in_the_right_places(year):
    holidays = statutory_holidays(year)
    counts = {name: sum(1 for n in holidays.values() if name in n) for name in LAW_DAYS}
    assert counts == LAW_DAYS
    assert date(year, 5, 1) in holidays and date(year, 5, 2) in holidays and date(year, 5, 3) not in holidays
    assert date(year, 10, 3) in holidays and date(year, 10, 4) not in holidays


def test_lunar_dates_of_the_policy_years():
    # 除夕 to 初三, 端午 (五月初五), 中秋 (八月十五), 清明 (solar term)
    spring = {2027: date(2027, 2, 5), 2028: date(2028, 1, 25)}
    for year, eve in spring.items():
        assert [d for d, n in statutory_holidays(year).items() if n == "春节"] == [eve + timedelta(days=i)
                                                                                for i in range(4)]
    assert {d: n for d, n in statutory_holidays(2027).items() if n in ("清明节", "端午节", "中秋节")} == {
        date(2027, 4, 5): "清明节", date(2027, 6, 9): "端午节", date(2027, 9, 15): "中秋节"}
    assert statutory_holidays(2028)[date(2028, 10, 3)] == "国庆节、中秋节"


def test_only_bridge_and_make_up_days_are_provisional():
    provisional = provisional_days(2027)
    assert all(day not in statutory_holidays(2027) for day in provisional)
    # the day before and after 国庆 2027's certain days
    assert fallback_row(date(2027, 9, 30)) == (date(2027, 9, 30), True, "", False)
    assert fallback_row(date(2027, 10, 3)).provisional is False
    assert fallback_row(date(2027, 10, 4)).provisional is True and not fallback_row(date(2027, 10, 4)).is_working_day
    # an ordinary week far from any holiday is certain
    assert all(not fallback_row(date(2027, 3, d)).provisional for d in range(8, 15))
