from hangqifu.accounts.roles import Role
from hangqifu.core.navigation import nav_link

nav_link("兑付申请", "redemption:claim-list", Role.PROVIDER, order=40, area="兑付结算")
nav_link("兑付申请", "redemption:claim-list", Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU, order=60, area="兑付结算")
nav_link("兑付结算批次", "redemption:batch-list", Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU, order=61, area="兑付结算")
nav_link("兑付资金支付", "redemption:district-payments", Role.DISTRICT, Role.FINANCE_BUREAU, order=40, area="兑付结算")
nav_link("兑付批次安排", "redemption:schedule", order=85, area="兑付结算")
