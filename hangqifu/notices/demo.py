"""A general announcement in its objection window, so the public notice pages have content."""
from hangqifu.accounts.roles import Role
from hangqifu.core import clock
from hangqifu.policy.models import PolicyYear

from .models import PublicNotice
from .services import notice_publish

TITLE = "关于2026年度中小微企业服务券兑付批次时间安排的公告"
BODY = ("根据《杭州市中小微企业服务券管理办法》第十三条，2026年度服务券兑付按季度分批办理。"
        "服务机构可于每季度末月1日至15日在平台提交兑付申请，市工信服务中心受理后进行形式预审。\n"
        "公告期间如有意见，可登录平台提出。")


def seed(ctx):
    if PublicNotice.objects.filter(title=TITLE).exists():
        return
    if not PolicyYear.objects.filter(year=clock.current_year()).exists():
        return  # the notice window comes from the year's parameters; without them there is nothing to show
    bureau = ctx["users"][Role.BUREAU.value]
    notice_publish(kind="general", title=TITLE, body=BODY, items=[], actor=bureau)
