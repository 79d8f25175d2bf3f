from hangqifu.accounts.roles import Role
from hangqifu.core.navigation import nav_link

nav_link("违规处理", "audit:sanction-list", Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU, order=80)
nav_link("信用档案", "audit:my-sanctions", Role.ENTERPRISE, Role.PARK, Role.PROVIDER, order=90)
