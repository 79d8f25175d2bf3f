from django.apps import AppConfig


class AuditBrowserConfig(AppConfig):
    """The audit browser (search the trail, one object's timeline, the audit-event API) and the chain check, on
    demand and nightly. No models: the trail it reads is hangqifu.audit, which every app writes and which
    therefore sits below the accounts; the browser needs the accounts' roles and sits above them."""

    name = "hangqifu.audit_browser"
    label = "audit_browser"
    verbose_name = "审计检索"
