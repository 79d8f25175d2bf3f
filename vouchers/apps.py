from django.apps import AppConfig

from hangqifu.accounts.roles import Role, grant


class VouchersConfig(AppConfig):
    name = "vouchers"
    label = "vouchers"
    verbose_name = "服务券"

    def ready(self):
        # import here (the three): the money core's services import the models, loaded only once the registry is ready
        from registration.holdings import holdings_register  # import here: see above

        from .services import voucher_claim_cache  # import here: see above
        from .services.expiry import live_vouchers_of, qualification_vouchers_void  # import here: see above

        # A qualification's suspension freezes, and its revocation voids, the holder's live vouchers (第九条).
        holdings_register(count=live_vouchers_of, void=qualification_vouchers_void)
        voucher_claim_cache.connect()  # the claim's cached batch, types and fund, and the sold-out flags

        # Funds, batches, vouchers, orders, deductions and the ledger: read-only money rows; the
        # bureau also sets funds and opens/closes batches (through the services).
        money_views = ("vouchers.view_fund", "vouchers.view_issuancebatch", "vouchers.view_vouchertype",
                       "vouchers.view_voucher", "vouchers.view_order", "vouchers.view_deduction",
                       "vouchers.view_ledgerentry")
        grant(Role.BUREAU, *money_views, "vouchers.add_fund")
        grant(Role.SERVICE_CENTER, *money_views)
        grant(Role.FINANCE_BUREAU, *money_views)
        # 第八条: other programmes' award lists (the service center imports), 第四条 declarations, 第十二条 counters.
        grant(Role.SERVICE_CENTER, "vouchers.view_othersubsidyaward", "vouchers.add_othersubsidyaward",
              "vouchers.view_providerserviceyear", "vouchers.view_fundinsufficiencydeclaration")
        grant(Role.BUREAU, "vouchers.view_othersubsidyaward", "vouchers.view_providerserviceyear",
              "vouchers.view_fundinsufficiencydeclaration")
