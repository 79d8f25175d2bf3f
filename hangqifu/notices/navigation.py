from hangqifu.core.navigation import nav_link

nav_link("公示公告", "notices:list", order=90)
