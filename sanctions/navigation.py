from hangqifu.accounts.roles import STAFF_ROLES, Role
from hangqifu.core.navigation import nav_link

nav_link("违规处理", "audit:sanction-list", *STAFF_ROLES, order=80, area="监督管理")
nav_link("信用档案", "audit:my-sanctions", Role.ENTERPRISE, Role.PARK, Role.PROVIDER, order=90, area="监督管理")
