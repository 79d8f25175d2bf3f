from hangqifu.accounts.roles import STAFF_ROLES, Role
from hangqifu.core.navigation import nav_link

nav_link("投诉办理", "audit:complaint-list", *STAFF_ROLES, order=70, area="监督管理")
nav_link("我的投诉", "audit:complaint-mine", Role.ENTERPRISE, Role.PARK, Role.PROVIDER, Role.DISTRICT, Role.EXPERT,
         order=95, area="监督管理")
nav_link("投诉举报", "audit:complaint-new", order=99, area="监督管理")
nav_link("监管驾驶舱", "audit:dashboard", *STAFF_ROLES, order=65, area="监督管理")
nav_link("疑点线索", "audit:fraud-signals", *STAFF_ROLES, order=86, area="监督管理")
nav_link("抽查", "audit:spot-check-list", *STAFF_ROLES, order=87, area="监督管理")
nav_link("资金追回", "audit:recovery-list", *STAFF_ROLES, order=88, area="监督管理")
nav_link("数据公开", "audit:open-data", order=98, area="监督管理")
