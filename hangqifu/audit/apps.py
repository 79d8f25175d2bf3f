from django.apps import AppConfig

from hangqifu.accounts.roles import Role, grant


class AuditConfig(AppConfig):
    """The audit trail (hash-chained events, chain checks, the audit browser). The label stays "audit": the
    tables, migrations, content types and permissions ("audit.view_auditevent") keep their names."""

    name = "hangqifu.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self):
        for role in (Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU):
            grant(role, "audit.view_auditevent", "audit.view_chaincheck")
