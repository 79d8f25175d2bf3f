from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "vouchers"
    label = "vouchers"
    verbose_name = "服务券"
