from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "审计与监督"

    def ready(self):
        from hangqifu.accounts.roles import Role, grant

        for role in (Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU):
            grant(role, "audit.view_auditevent", "audit.view_sanction", "audit.view_creditrecord",
                  "audit.view_complaint", "audit.view_chaincheck",
                  "audit.view_fraudsignal", "audit.view_recovery", "audit.view_recoveryline", "audit.view_repayment",
                  "audit.view_spotcheck", "audit.view_spotcheckitem")
        grant(Role.BUREAU, "audit.add_sanction", "audit.change_sanction")
        grant(Role.SERVICE_CENTER, "audit.change_complaint")
