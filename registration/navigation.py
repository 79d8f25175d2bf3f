from hangqifu.accounts.roles import Role
from hangqifu.core.navigation import nav_link

# Registration and qualification
nav_link("注册认定", "registration:my-registrations", Role.ENTERPRISE, Role.PARK, order=10, area="注册认定")
nav_link("我的资格与额度", "registration:my-qualification", Role.ENTERPRISE, Role.PARK, order=11, area="注册认定")
nav_link("变更报告", "registration:change-report-list", Role.ENTERPRISE, Role.PARK, order=19, area="注册认定")
nav_link("注册认定审核", "admin:registration_registrationapplication_changelist", Role.SERVICE_CENTER, Role.BUREAU,
         order=10, area="注册认定")
nav_link("年度资格", "admin:registration_qualification_changelist", Role.SERVICE_CENTER, Role.BUREAU, order=11, area="注册认定")
