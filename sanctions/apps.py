from django.apps import AppConfig


class SanctionsConfig(AppConfig):
    name = "sanctions"
    verbose_name = "违规处理与信用档案"

    def ready(self):
        # import here: roles reads the user model, which exists only once the apps are loaded
        from hangqifu.accounts.roles import Role, grant

        for role in (Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU):
            grant(role, "sanctions.view_sanction", "sanctions.view_creditrecord")
        grant(Role.BUREAU, "sanctions.add_sanction", "sanctions.change_sanction")
