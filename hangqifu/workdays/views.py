from datetime import date, timedelta

from django.shortcuts import render

from hangqifu.core import clock

from . import services


def _parse_month(value: str | None) -> date:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return clock.today().replace(day=1)


def month(request):
    """Public month view of the working calendar used for every deadline."""
    first = _parse_month(request.GET.get("month"))
    days = services.month_days(first.year, first.month)
    weeks, week = [], [None] * first.weekday()
    for row in days:
        week.append(row)
        if len(week) == 7:
            weeks.append(week)
            week = []
    if week:
        weeks.append(week + [None] * (7 - len(week)))
    previous = (first.replace(day=1) - timedelta(days=1)).replace(day=1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return render(request, "workdays/month.html", {
        "first": first, "weeks": weeks, "today": clock.today(),
        "provisional": any(row.provisional for row in days),
        "previous": f"{previous:%Y-%m}", "following": f"{following:%Y-%m}",
        "holidays": [row for row in days if row.holiday_name],
    })
