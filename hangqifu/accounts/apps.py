from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps

from .roles import sync_role_groups


class AccountsConfig(AppConfig):
    default = True
    name = "hangqifu.accounts"
    label = "accounts"
    verbose_name = "账号与组织"

    def ready(self):
        from django.db.models.signals import post_migrate

        # Groups need every app's permissions, which exist only once the last app has migrated.
        post_migrate.connect(_sync_after_last_app, dispatch_uid="accounts-sync-role-groups")

        # import here: the security events' receivers import the models, loaded only once the registry is ready
        from . import security_events

        security_events.connect()


def _sync_after_last_app(sender, **kwargs):
    from django.apps import apps

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is with_models[-1]:
        sync_role_groups()


class PortalAdminConfig(admin_apps.AdminConfig):
    default = False
    """django.contrib.admin with the portal's site: second factor required, every save audited."""
    default_site = "hangqifu.accounts.admin_site.PortalAdminSite"
