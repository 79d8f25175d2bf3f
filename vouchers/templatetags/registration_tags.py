from django import template

from hangqifu.core.choices import Honour

register = template.Library()

EVENT_LABELS = {
    "registration.create": "创建申请（草稿）",
    "registration.update": "保存填报信息",
    "registration.submit": "提交申请",
    "registration.pre_review": "形式预审",
    "registration.return": "退回修改",
    "registration.reject": "不予通过",
    "registration.approve": "认定资格",
    "registration.rereview_open": "开启年度复审",
    "document.upload": "上传材料",
    "document.delete": "删除材料",
}


@register.filter
def honour_label(value) -> str:
    return Honour(value).label if value in Honour.values else str(value)


@register.filter
def event_label(action: str) -> str:
    return EVENT_LABELS.get(action, action)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
