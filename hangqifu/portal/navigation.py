from hangqifu.core.navigation import nav_link

nav_link("办事指南", "guide-list", order=15)
