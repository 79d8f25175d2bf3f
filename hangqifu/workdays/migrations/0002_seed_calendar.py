"""Seed 2025–2026 from the official calendar (chinese_calendar) and 2027–2028 as provisional Monday–Friday."""
from django.db import migrations

SEED_YEARS = range(2025, 2029)


def seed(apps, schema_editor):
    from hangqifu.workdays.official import rows_for_year

    CalendarDay = apps.get_model("workdays", "CalendarDay")
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    CalendarDay.objects.bulk_create([
        CalendarDay(date=row.date, is_working_day=row.is_working_day, holiday_name=row.holiday_name,
                    provisional=row.provisional)
        for year in SEED_YEARS for row in rows_for_year(year) if row.date not in existing
    ], batch_size=500)


def unseed(apps, schema_editor):
    apps.get_model("workdays", "CalendarDay").objects.filter(date__year__in=list(SEED_YEARS)).delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
