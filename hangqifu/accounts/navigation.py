from hangqifu.core.navigation import nav_link

from .roles import Role

nav_link("信用代码申诉", "credit-claim-list", Role.SERVICE_CENTER, Role.BUREAU, order=89)
