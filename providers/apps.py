from django.apps import AppConfig

from hangqifu.accounts.roles import Role, grant


class ProvidersConfig(AppConfig):
    name = "providers"
    label = "providers"
    verbose_name = "服务机构"

    def ready(self):
        viewing = [f"providers.view_{m}" for m in ("selectionround", "providerapplication", "applicationproduct",
                                                     "expertassignment", "review", "conflictdeclaration",
                                                     "providerprofile", "product", "removal")]
        grant(Role.SERVICE_CENTER, *viewing, "providers.add_selectionround", "providers.change_selectionround",
              "providers.change_providerapplication", "providers.change_product", "providers.add_removal",
              "providers.change_removal")
        grant(Role.BUREAU, *viewing, "providers.add_selectionround", "providers.change_selectionround",
              "providers.change_providerapplication", "providers.change_product", "providers.add_removal",
              "providers.change_removal")
        grant(Role.FINANCE_BUREAU, *viewing)
