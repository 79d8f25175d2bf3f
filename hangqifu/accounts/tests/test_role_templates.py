"""Pages ask the one role predicate: `acts_as` answers as `predicates.has_role`, second factor included."""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template

from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
BUTTON = Template('{% load roles %}{% if user|acts_as:"service_center bureau" %}评审结果排名{% endif %}')


def _shows(user) -> bool:
    return "评审结果排名" in BUTTON.render(Context({"user": user}))


def test_a_button_for_staff_roles_shows_to_those_roles_signed_in_with_the_second_factor():
    assert _shows(UserFactory(role=Role.BUREAU)) and _shows(UserFactory(role=Role.SERVICE_CENTER))
    assert not _shows(UserFactory(role=Role.BUREAU, second_factor=False))
    assert not _shows(UserFactory(role=Role.FINANCE_BUREAU))
    assert not _shows(UserFactory(role=Role.ENTERPRISE))
    assert not _shows(AnonymousUser())
    assert not _shows(UserFactory(role=Role.BUREAU, is_active=False))
