from django.apps import AppConfig

from hangqifu.accounts.roles import Role, grant


class WorkdaysConfig(AppConfig):
    name = "hangqifu.workdays"
    label = "workdays"
    verbose_name = "工作日历"

    def ready(self):
        for role in (Role.SERVICE_CENTER, Role.BUREAU):
            grant(role, "workdays.view_calendarday", "workdays.change_calendarday", "workdays.add_calendarday")
        grant(Role.FINANCE_BUREAU, "workdays.view_calendarday")
