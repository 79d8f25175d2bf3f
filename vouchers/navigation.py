from hangqifu.accounts.roles import Role
from hangqifu.core.navigation import nav_link

# Funds, batches, vouchers and orders
nav_link("领取服务券", "vouchers:batch-list", Role.ENTERPRISE, Role.PARK, order=20, area="服务券")
nav_link("我的服务券", "vouchers:my-vouchers", Role.ENTERPRISE, Role.PARK, order=21, area="服务券")
nav_link("我的订单", "vouchers:order-list", Role.ENTERPRISE, Role.PARK, order=22, area="服务券")
nav_link("收到的订单", "vouchers:order-list", Role.PROVIDER, order=20, area="服务券")
nav_link("服务券资金与批次", "vouchers:fund-usage", Role.BUREAU, Role.SERVICE_CENTER, Role.FINANCE_BUREAU, order=20, area="服务券")
nav_link("发放批次", "vouchers:batch-list", Role.BUREAU, Role.SERVICE_CENTER, Role.FINANCE_BUREAU, order=21, area="服务券")
nav_link("其他政策支持名单", "admin:vouchers_othersubsidyaward_changelist", Role.SERVICE_CENTER, Role.BUREAU, order=23,
         area="服务券")
nav_link("服务订单", "vouchers:order-list", Role.BUREAU, Role.SERVICE_CENTER, Role.FINANCE_BUREAU, order=22, area="服务券")
