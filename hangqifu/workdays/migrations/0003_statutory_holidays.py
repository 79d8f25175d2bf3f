"""Years without the State Council's schedule (2027–2028, seeded Monday–Friday): the statutory holidays fixed by
law become days off, and the customary bridge and make-up days are marked provisional (workdays.statutory).
Only rows still as 0002 seeded them (provisional, no label) are rewritten: a day staff have already entered
from the published schedule is kept."""
from django.db import migrations

YEARS = (2027, 2028)


def prefill(apps, schema_editor):
    from hangqifu.workdays.official import has_official_data, rows_for_year

    CalendarDay = apps.get_model("workdays", "CalendarDay")
    for year in YEARS:
        if has_official_data(year):
            continue
        seeded = {day.date: day for day in CalendarDay.objects.filter(date__year=year, provisional=True,
                                                                       holiday_name="")}
        changed = []
        for row in rows_for_year(year):
            day = seeded.get(row.date)
            if day is not None and (day.is_working_day, day.holiday_name, day.provisional) != row[1:]:
                day.is_working_day, day.holiday_name, day.provisional = row[1:]
                changed.append(day)
        CalendarDay.objects.bulk_update(changed, ["is_working_day", "holiday_name", "provisional"], batch_size=500)


def back_to_monday_to_friday(apps, schema_editor):
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    for day in CalendarDay.objects.filter(date__year__in=YEARS):
        day.is_working_day, day.holiday_name, day.provisional = day.date.weekday() < 5, "", True
        day.save(update_fields=["is_working_day", "holiday_name", "provisional"])


class Migration(migrations.Migration):
    dependencies = [("workdays", "0002_seed_calendar")]
    operations = [migrations.RunPython(prefill, back_to_monday_to_friday)]
