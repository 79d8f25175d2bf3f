import json

from django import template

from hangqifu.accounts.event_labels import SECURITY_EVENT_LABELS

register = template.Library()


@register.filter
def pretty_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


@register.filter
def action_label(action: str) -> str:
    """The Chinese name of an audit action where one is known, else the code itself."""
    return SECURITY_EVENT_LABELS.get(action, action)
