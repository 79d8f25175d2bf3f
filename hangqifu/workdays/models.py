from django.db import models
from simple_history.models import HistoricalRecords


class CalendarDay(models.Model):
    """One day of the official working calendar (holidays and make-up workdays included).

    Years with official data (from the `chinese_calendar` package, or entered by staff once the State
    Council publishes them) have `provisional=False`. Other years hold the statutory holidays fixed by law
    (certain) and the customary bridge and possible make-up days (provisional); see statutory.py. A date
    missing from the table is computed the same way."""

    date = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("工作日")
    holiday_name = models.CharField("节假日/调休说明", max_length=50, blank=True)
    provisional = models.BooleanField("暂定（尚无官方安排）", default=False,
                                      help_text="官方节假日安排公布后，请按安排修改并取消勾选")
    history = HistoricalRecords(verbose_name="日历修改历史")

    class Meta:
        verbose_name = "工作日历"
        verbose_name_plural = "工作日历"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {'工作日' if self.is_working_day else '休息日'}"
