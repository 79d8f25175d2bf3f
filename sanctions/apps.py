from django.apps import AppConfig

from hangqifu.accounts.roles import Role, grant


class SanctionsConfig(AppConfig):
    name = "sanctions"
    verbose_name = "违规处理与信用档案"

    def ready(self):
        for role in (Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU):
            grant(role, "sanctions.view_sanction", "sanctions.view_creditrecord")
        grant(Role.BUREAU, "sanctions.add_sanction", "sanctions.change_sanction")
