from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "hangqifu.policy"
    label = "policy"
    verbose_name = "年度政策参数"
