from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Uploads. The staff roles' read permission on them is in the accounts' role table
    (hangqifu/accounts/roles.py): documents sit below the accounts and do not import them."""

    name = "hangqifu.documents"
    label = "documents"
    verbose_name = "材料文件"
