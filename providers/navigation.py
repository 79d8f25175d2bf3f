from hangqifu.accounts.roles import Role
from hangqifu.core.navigation import nav_link

nav_link("服务产品目录", "providers:catalogue", order=20, area="服务机构")
nav_link("入驻服务机构", "providers:admitted", order=21, area="服务机构")
nav_link("遴选批次", "providers:rounds", order=22, area="服务机构")
nav_link("年度评价结果", "providers:evaluations", order=23, area="服务机构")
nav_link("入驻申请", "providers:applications", Role.PROVIDER, Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU,
         order=30, area="服务机构")
nav_link("服务产品", "providers:my-products", Role.PROVIDER, Role.SERVICE_CENTER, Role.BUREAU, order=31, area="服务机构")
nav_link("年度评价录入", "providers:evaluations-manage", Role.SERVICE_CENTER, Role.BUREAU, order=32, area="服务机构")
nav_link("评审任务", "providers:reviews", Role.EXPERT, order=30, area="服务机构")
nav_link("利益冲突申报", "providers:conflicts", Role.EXPERT, order=31, area="服务机构")
