"""Rows for the calendar table: official data from `chinese_calendar` where it has the year, otherwise the
statutory holidays fixed by law with the customary bridge and make-up days marked provisional
(statutory.py). Used by the seed migrations, `manage.py load_calendar` and for dates missing from the table."""
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

import chinese_calendar

from .statutory import provisional_days, statutory_holidays

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


class DayRow(NamedTuple):
    date: date
    is_working_day: bool
    holiday_name: str
    provisional: bool


def has_official_data(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=64)
def _provisional_around(year: int) -> dict[date, str]:
    """Provisional days of `year`, including those a neighbouring year's holiday puts into it."""
    merged: dict[date, str] = {}
    for neighbour in (year - 1, year + 1, year):
        merged.update({day: label for day, label in provisional_days(neighbour).items() if day.year == year})
    return merged


def fallback_row(day: date) -> DayRow:
    """A day of a year without the State Council's schedule: statutory holidays off (certain), bridge and
    possible make-up days off and provisional, every other day Monday–Friday (certain)."""
    holiday = statutory_holidays(day.year).get(day)
    if holiday:
        return DayRow(day, False, holiday, False)
    label = _provisional_around(day.year).get(day)
    if label:
        return DayRow(day, False, label, True)
    return DayRow(day, day.weekday() < 5, "", False)


def _official_row(day: date) -> DayRow:
    working = chinese_calendar.is_workday(day)
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    label = HOLIDAY_NAMES_ZH.get(getattr(name, "value", name) or "", "") if name else ""
    if label and working:
        label = f"{label}调休上班"
    elif not label and not working and day.weekday() < 5:
        label = "休息日"
    return DayRow(day, working, label, False)


def rows_for_year(year: int) -> list[DayRow]:
    official = has_official_data(year)
    day, rows = date(year, 1, 1), []
    while day.year == year:
        rows.append(_official_row(day) if official else fallback_row(day))
        day += timedelta(days=1)
    return rows
