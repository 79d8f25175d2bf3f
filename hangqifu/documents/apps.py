from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "hangqifu.documents"
    label = "documents"
    verbose_name = "材料文件"
