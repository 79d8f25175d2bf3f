from django.apps import AppConfig

from hangqifu.accounts.roles import Role, grant


class RedemptionConfig(AppConfig):
    name = "redemption"
    label = "redemption"
    verbose_name = "兑付"

    def ready(self):
        viewing = [f"redemption.view_{m}" for m in ("redemptionclaim", "claimline", "settlementbatch",
                                                      "disbursementorder", "districtpayment", "provideryearcap")]
        # Pre-review and approval go through the claim admin's buttons (services check the role); the admin
        # itself is read-only, so viewing is all the staff roles need.
        grant(Role.SERVICE_CENTER, *viewing)
        grant(Role.BUREAU, *viewing)
        grant(Role.FINANCE_BUREAU, *viewing)
