from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "hangqifu.notices"
    label = "notices"
    verbose_name = "公示"
