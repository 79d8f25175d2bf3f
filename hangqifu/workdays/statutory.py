"""The statutory holidays fixed by law, for years the State Council has not yet scheduled.

《全国年节及纪念日放假办法》(as amended in 2024) fixes the days all citizens have off: 元旦 1 day (1 January),
春节 4 days (除夕 to 正月初三), 清明节 1 day (the 清明 solar term), 劳动节 2 days (1–2 May), 端午节 1 day
(五月初五), 中秋节 1 day (八月十五), 国庆节 3 days (1–3 October). Lunar dates and the solar term come from
`lunar_python` (6tail's calendar library; checked against the State Council's published years in the tests).
Those days are certain and never provisional: no deadline can end inside one.

What only the yearly State Council notice decides are the bridge days that join a holiday to a weekend (or
substitute for a holiday on a weekend, which the law requires "在工作日补假" without naming the day) and the
weekend days worked in exchange (调休). **(our reading)** Until the notice is entered, the bridge days the
State Council has used every year since the 2024 amendment are treated as days off and marked provisional:
春节 初四 to 初七; 劳动节 3–5 May; 国庆节 4–7 October (to 8 October when 中秋 falls in that week); a single-day
holiday on a Tuesday takes the Monday, on a Thursday the Friday, on a Saturday or Sunday the next Monday.
The weekend days within a week (a fortnight for 春节 and 国庆) either side of such a block may become make-up
working days: they stay days off and are marked provisional too. Counting across any provisional day makes a
deadline provisional ("暂定"); taking bridge days as off errs towards the later, never the earlier, date."""
from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Lunar

SPRING_FESTIVAL, NATIONAL_DAY, LABOUR_DAY = "春节", "国庆节", "劳动节"
PROVISIONAL_BRIDGE = "（暂定：按惯例连休，待国务院安排）"
PROVISIONAL_MAKE_UP = "可能调休上班（暂定）"


def _days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(count)]


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[date, str]:
    """{day: holiday name} of the days off fixed by law in `year`."""
    new_year = Lunar.fromYmd(year, 1, 1)
    eve = new_year.next(-1).getSolar()
    qingming = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    dragon_boat = Lunar.fromYmd(year, 5, 5).getSolar()
    mid_autumn = Lunar.fromYmd(year, 8, 15).getSolar()
    days = {date(year, 1, 1): "元旦"}
    days.update({day: SPRING_FESTIVAL for day in _days(date(eve.getYear(), eve.getMonth(), eve.getDay()), 4)})
    days[date(qingming.getYear(), qingming.getMonth(), qingming.getDay())] = "清明节"
    days.update({day: LABOUR_DAY for day in _days(date(year, 5, 1), 2)})
    days[date(dragon_boat.getYear(), dragon_boat.getMonth(), dragon_boat.getDay())] = "端午节"
    days.update({day: NATIONAL_DAY for day in _days(date(year, 10, 1), 3)})
    mid_autumn_day = date(mid_autumn.getYear(), mid_autumn.getMonth(), mid_autumn.getDay())
    days[mid_autumn_day] = "中秋节" if mid_autumn_day not in days else "国庆节、中秋节"
    return {day: name for day, name in days.items() if day.year == year}


def _single_day_bridge(day: date) -> date | None:
    weekday = day.weekday()
    if weekday == 1:  # Tuesday → Monday
        return day - timedelta(days=1)
    if weekday == 3:  # Thursday → Friday
        return day + timedelta(days=1)
    if weekday >= 5:  # Saturday or Sunday → the next Monday (补假)
        return day + timedelta(days=7 - weekday)
    return None


@lru_cache(maxsize=64)
def _blocks(year: int) -> list[tuple[str, list[date], int]]:
    """(name, bridge days, make-up window in days) of each holiday of `year`."""
    holidays = statutory_holidays(year)
    eve = min(day for day, name in holidays.items() if name == SPRING_FESTIVAL)
    blocks = [(SPRING_FESTIVAL, _days(eve + timedelta(days=4), 4), 14),
              (LABOUR_DAY, _days(date(year, 5, 3), 3), 7)]
    mid_autumn = next((day for day, name in holidays.items() if "中秋" in name), None)
    national_end = date(year, 10, 8) if mid_autumn and date(year, 9, 28) <= mid_autumn <= date(year, 10, 8) \
        else date(year, 10, 7)
    blocks.append((NATIONAL_DAY, _days(date(year, 10, 4), (national_end - date(year, 10, 4)).days + 1), 14))
    for day, name in sorted(holidays.items()):
        if name in (SPRING_FESTIVAL, LABOUR_DAY, NATIONAL_DAY, "国庆节、中秋节") or (
                name == "中秋节" and date(year, 9, 28) <= day <= date(year, 10, 8)):
            continue
        bridge = _single_day_bridge(day)
        if bridge is not None:
            blocks.append((name, [bridge], 7))
    return blocks


def provisional_days(year: int) -> dict[date, str]:
    """{day: label} of the bridge days off and the possible make-up weekend days, both provisional."""
    holidays = statutory_holidays(year)
    result: dict[date, str] = {}
    for name, bridges, window in _blocks(year):
        off = [day for day in bridges if day not in holidays and day.weekday() < 5]
        for day in off:
            result[day] = name + PROVISIONAL_BRIDGE
        if not off:
            continue
        block = sorted([*off, *(d for d, n in holidays.items() if name in n and abs((d - off[0]).days) <= 10)])
        for offset in range(1, window + 1):
            for day in (block[0] - timedelta(days=offset), block[-1] + timedelta(days=offset)):
                if day.weekday() >= 5 and day not in holidays and day not in result:
                    result[day] = PROVISIONAL_MAKE_UP
    return result
