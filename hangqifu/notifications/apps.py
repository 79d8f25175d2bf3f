from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "hangqifu.notifications"
    label = "notifications"
    verbose_name = "站内通知"
