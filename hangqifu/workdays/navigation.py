from hangqifu.core.navigation import nav_link

nav_link("工作日历", "workdays:month", order=95)
