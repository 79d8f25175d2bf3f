from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit trail (hash-chained events, chain checks), which every app writes: it sits just above the
    clock-and-money core and below the accounts (the staff roles' read permissions on it are in the accounts'
    role table). Its browser is hangqifu.audit_browser. The label stays "audit": the tables, migrations,
    content types and permissions ("audit.view_auditevent") keep their names."""

    name = "hangqifu.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self):
        # import here: the schedule's receivers import django-celery-beat's models, loaded only once the registry is ready
        from . import schedule

        schedule.connect()
