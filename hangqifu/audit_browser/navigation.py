from hangqifu.accounts.roles import STAFF_ROLES
from hangqifu.core.navigation import nav_link

nav_link("审计检索", "audit:event-list", *STAFF_ROLES, order=85, area="监督管理")
