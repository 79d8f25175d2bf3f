from django.apps import AppConfig


class RedemptionConfig(AppConfig):
    name = "redemption"
    label = "redemption"
    verbose_name = "兑付"
