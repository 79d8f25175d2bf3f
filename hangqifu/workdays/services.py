"""Working-day arithmetic: the one calendar module every deadline uses (第九条: "15 个工作日" counts the
official calendar — holidays off, make-up weekend days on). Dates not in the table are computed from the
statutory holidays (official.fallback_row); a result that counted across a provisional day is provisional.
A deadline is always a working day, so it never ends inside a statutory holiday."""
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from hangqifu.audit.services import audit_record
from hangqifu.core.errors import InvalidInput

from .models import CalendarDay
from .official import DayRow, fallback_row


@dataclass(frozen=True)
class WorkingDeadline:
    date: date
    provisional: bool


def _rows(first: date, last: date) -> dict[date, DayRow]:
    known = {
        row[0]: DayRow(*row)
        for row in CalendarDay.objects.filter(date__range=(first, last))
        .values_list("date", "is_working_day", "holiday_name", "provisional")
    }
    rows, day = {}, first
    while day <= last:
        rows[day] = known.get(day) or fallback_row(day)
        day += timedelta(days=1)
    return rows


def day_info(day: date) -> DayRow:
    return _rows(day, day)[day]


def is_working_day(day: date) -> bool:
    return day_info(day).is_working_day


def _check_count(n) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise InvalidInput("工作日天数必须是整数", fields={"n": ["必须是整数"]})
    if n < 0:
        raise InvalidInput("工作日天数不能为负数", fields={"n": ["不能为负数"]})
    return n


def working_deadline(start: date, n: int) -> WorkingDeadline:
    """The n-th working day after `start` (start itself is not counted; n = 0 → start), and whether any
    day counted comes from a year without an official holiday schedule."""
    n = _check_count(n)
    if n == 0:
        return WorkingDeadline(start, day_info(start).provisional)
    provisional, counted, day = False, 0, start
    while True:
        # Fetch in windows: holidays make a window of 2n + 2 weeks always enough in practice.
        window_end = day + timedelta(days=2 * (n - counted) + 14)
        rows = _rows(day + timedelta(days=1), window_end)
        for current in sorted(rows):
            row = rows[current]
            provisional = provisional or row.provisional
            if row.is_working_day:
                counted += 1
                if counted == n:
                    return WorkingDeadline(current, provisional)
        day = window_end


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (n = 0 → start; n < 0 → InvalidInput)."""
    return working_deadline(start, n).date


def working_days_between(start: date, end: date) -> int:
    """How many working days lie after `start` up to and including `end` (0 if end <= start)."""
    if end <= start:
        return 0
    return sum(1 for row in _rows(start + timedelta(days=1), end).values() if row.is_working_day)


@transaction.atomic
def calendar_day_set(*, actor, day: date, is_working_day: bool, holiday_name: str = "",
                     provisional: bool = False) -> CalendarDay:
    """Staff correct one day (e.g. when the State Council publishes next year's holidays)."""
    existing = CalendarDay.objects.select_for_update().filter(date=day).first()
    before = (existing.is_working_day, existing.holiday_name, existing.provisional) if existing else None
    obj = existing or CalendarDay(date=day)
    obj.is_working_day, obj.holiday_name, obj.provisional = is_working_day, holiday_name or "", provisional
    obj._history_user = actor
    obj.save()
    audit_record(actor=actor, action="calendar.set_day", obj=obj, payload={
        "date": day, "before": before, "after": [is_working_day, holiday_name, provisional]})
    return obj


def month_days(year: int, month: int) -> list[DayRow]:
    first = date(year, month, 1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    rows = _rows(first, last)
    return [rows[d] for d in sorted(rows)]
