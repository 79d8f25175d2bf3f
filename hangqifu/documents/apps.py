from django.apps import AppConfig

from hangqifu.accounts.roles import STAFF_ROLES, grant


class DocumentsConfig(AppConfig):
    name = "hangqifu.documents"
    label = "documents"
    verbose_name = "材料文件"

    def ready(self):
        for role in STAFF_ROLES:
            grant(role, "documents.view_document")
