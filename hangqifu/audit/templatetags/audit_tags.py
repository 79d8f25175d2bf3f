import json

from django import template

from hangqifu.audit import labels

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    """The Chinese name of an audit action (hangqifu/audit/labels.py)."""
    return labels.action_label(action)


@register.filter
def payload_rows(payload) -> list:
    return labels.payload_rows(payload)


@register.filter
def plain_value(value) -> str:
    """A payload value as text: lists joined, nested values as JSON."""
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "—" if value in (None, "") else str(value)


@register.simple_tag
def event_object(event) -> str:
    """`qualification #3` → 服务券资格 #3."""
    return labels.object_label(event.object_type, event.object_id)


@register.simple_tag
def event_transition(event) -> str:
    """`signed → completed` → the object's states in Chinese."""
    return labels.transition_label(event.object_type, event.from_state, event.to_state)


@register.simple_tag
def event_to_state(event) -> str:
    return labels.state_label(event.object_type, event.to_state)


@register.filter
def object_type_label(object_type: str) -> str:
    return labels.object_type_label(object_type)
