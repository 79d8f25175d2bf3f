"""Role questions in templates, answered by the one predicate (`hangqifu.accounts.predicates.has_role`): a page
shows a button to the users the service would let act, never by comparing `user.role` itself.

    {% load roles %}{% if user|acts_as:"service_center bureau" %}…{% endif %}"""
from django import template

from ..predicates import has_role

register = template.Library()


@register.filter
def acts_as(user, roles: str) -> bool:
    """The user acts now in one of `roles` (space-separated role ids)."""
    return has_role(user, *roles.split())
