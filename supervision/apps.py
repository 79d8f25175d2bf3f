from django.apps import AppConfig

from hangqifu.accounts.roles import Role, grant


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "监督管理"

    def ready(self):
        for role in (Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU):
            grant(role, "supervision.view_complaint", "supervision.view_fraudsignal", "supervision.view_recovery",
                  "supervision.view_recoveryline", "supervision.view_repayment", "supervision.view_spotcheck",
                  "supervision.view_spotcheckitem")
        grant(Role.SERVICE_CENTER, "supervision.change_complaint")

        # import here: loading the fraud rules registers the near-match listener with the vouchers app
        from . import fraud  # noqa: F401
