from django.apps import AppConfig

from hangqifu.accounts.roles import Role, grant


class NoticesConfig(AppConfig):
    name = "hangqifu.notices"
    label = "notices"
    verbose_name = "公示"

    def ready(self):
        for role in (Role.SERVICE_CENTER, Role.BUREAU):
            grant(role, "notices.view_publicnotice", "notices.view_noticeitem", "notices.view_objection",
                  "notices.change_objection")
        grant(Role.FINANCE_BUREAU, "notices.view_publicnotice", "notices.view_noticeitem")
