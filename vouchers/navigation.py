from hangqifu.accounts.roles import Role
from hangqifu.core.navigation import nav_link

# Registration and qualification
nav_link("注册认定", "vouchers:my-registrations", Role.ENTERPRISE, Role.PARK, order=10, area="注册认定")
nav_link("我的资格与额度", "vouchers:my-qualification", Role.ENTERPRISE, Role.PARK, order=11, area="注册认定")
nav_link("变更报告", "vouchers:change-report-list", Role.ENTERPRISE, Role.PARK, order=19, area="注册认定")
nav_link("注册认定审核", "admin:vouchers_registrationapplication_changelist", Role.SERVICE_CENTER, Role.BUREAU,
         order=10, area="注册认定")
nav_link("年度资格", "admin:vouchers_qualification_changelist", Role.SERVICE_CENTER, Role.BUREAU, order=11, area="注册认定")

# Funds, batches, vouchers and orders
nav_link("领取服务券", "vouchers:batch-list", Role.ENTERPRISE, Role.PARK, order=20, area="服务券")
nav_link("我的服务券", "vouchers:my-vouchers", Role.ENTERPRISE, Role.PARK, order=21, area="服务券")
nav_link("我的订单", "vouchers:order-list", Role.ENTERPRISE, Role.PARK, order=22, area="服务券")
nav_link("收到的订单", "vouchers:order-list", Role.PROVIDER, order=20, area="服务券")
nav_link("服务券资金与批次", "vouchers:fund-usage", Role.BUREAU, Role.SERVICE_CENTER, Role.FINANCE_BUREAU, order=20, area="服务券")
nav_link("发放批次", "vouchers:batch-list", Role.BUREAU, Role.SERVICE_CENTER, Role.FINANCE_BUREAU, order=21, area="服务券")
nav_link("服务订单", "vouchers:order-list", Role.BUREAU, Role.SERVICE_CENTER, Role.FINANCE_BUREAU, order=22, area="服务券")
