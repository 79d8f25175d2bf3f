from django import template

from hangqifu.core.money import fmt

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with some parameters replaced (pagination links keep the filters)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.filter
def yuan(amount) -> str:
    return "—" if amount is None else f"¥{fmt(amount)}"
