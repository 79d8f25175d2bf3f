from django.core.management.base import BaseCommand, CommandError

from hangqifu.workdays.models import CalendarDay
from hangqifu.workdays.official import has_official_data, rows_for_year


class Command(BaseCommand):
    help = "从 chinese_calendar 载入某年的官方节假日安排（升级该包后用于替换暂定的年度）"

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="+", type=int)
        parser.add_argument("--replace-official", action="store_true",
                            help="也覆盖已标为正式（非暂定）的日期，包括人工修改过的")

    def handle(self, *years, replace_official=False, **options):
        for year in years:
            if not 1990 <= year <= 2100:
                raise CommandError(f"年份 {year} 超出范围")
            official = has_official_data(year)
            written = 0
            for row in rows_for_year(year):
                existing = CalendarDay.objects.filter(date=row.date).first()
                if existing and not existing.provisional and not replace_official:
                    continue
                CalendarDay.objects.update_or_create(date=row.date, defaults=row._asdict())
                written += 1
            kind = "官方安排" if official else "法定节假日（调休、连休日暂定）"
            self.stdout.write(f"{year} 年：写入 {written} 天，{kind}")
