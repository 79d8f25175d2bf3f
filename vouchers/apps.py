from django.apps import AppConfig

from hangqifu.accounts.roles import Role, grant


class VouchersConfig(AppConfig):
    name = "vouchers"
    label = "vouchers"
    verbose_name = "服务券"

    def ready(self):
        # import here: the claim cache imports the models, loaded only once the registry is ready
        from .services import claim_cache

        claim_cache.connect()  # the claim's cached batch, types and fund, and the sold-out flags

        # Registration and qualification: admin permissions of the staff roles.
        grant(Role.SERVICE_CENTER,
              "vouchers.view_registrationapplication", "vouchers.change_registrationapplication",
              "vouchers.review_registrationapplication",
              "vouchers.view_qualification", "vouchers.manage_qualification",
              "vouchers.view_changereport", "vouchers.change_changereport",
              "vouchers.view_sizethreshold", "vouchers.view_creditlistentry", "vouchers.add_creditlistentry",
              "vouchers.view_creditdelisting",
              "vouchers.view_parkrecognition", "vouchers.add_parkrecognition",
              "vouchers.view_abovescaleentry", "vouchers.add_abovescaleentry")
        grant(Role.BUREAU,
              "vouchers.view_registrationapplication", "vouchers.view_qualification", "vouchers.view_changereport",
              "vouchers.view_sizethreshold", "vouchers.add_sizethreshold", "vouchers.change_sizethreshold",
              "vouchers.view_creditlistentry", "vouchers.view_creditdelisting", "vouchers.view_parkrecognition",
              "vouchers.view_abovescaleentry")
        grant(Role.FINANCE_BUREAU, "vouchers.view_qualification")
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

        # The re-review opening job lives beside the money core's jobs.py; importing registers it.
        # import here: the job imports the models, loaded only once the registry is ready
        from . import rereview_jobs  # noqa: F401
