from django import template

from hangqifu.audit.labels import action_label
from hangqifu.core.choices import Honour

register = template.Library()



@register.filter
def honour_label(value) -> str:
    return Honour(value).label if value in Honour.values else str(value)


@register.filter
def event_label(action: str) -> str:
    return action_label(action)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
