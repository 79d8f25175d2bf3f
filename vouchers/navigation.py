from hangqifu.accounts.roles import Role
from hangqifu.core.navigation import nav_link

# Registration and qualification (issue 4)
nav_link("注册认定", "vouchers:my-registrations", Role.ENTERPRISE, Role.PARK, order=10)
nav_link("我的资格与额度", "vouchers:my-qualification", Role.ENTERPRISE, Role.PARK, order=11)
nav_link("变更报告", "vouchers:change-report-list", Role.ENTERPRISE, Role.PARK, order=19)
nav_link("注册认定审核", "admin:vouchers_registrationapplication_changelist", Role.SERVICE_CENTER, Role.BUREAU,
         order=10)
nav_link("年度资格", "admin:vouchers_qualification_changelist", Role.SERVICE_CENTER, Role.BUREAU, order=11)
