from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "hangqifu.accounts"
    label = "accounts"
    verbose_name = "账号与组织"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .roles import sync_role_groups

        # Groups need every app's permissions, which exist only after all migrations have run.
        post_migrate.connect(sync_role_groups, sender=self)
