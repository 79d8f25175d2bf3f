"""Fixtures of the vouchers tests. Registration: a frozen 2026 business clock and users per role."""
import pytest

from hangqifu.accounts.roles import Role
from registration.tests.factories import NOW


@pytest.fixture
def clock_2026(set_clock):
    return set_clock(NOW)


@pytest.fixture
def enterprise(make_user):
    return make_user(role=Role.ENTERPRISE)


@pytest.fixture
def park_user(make_user):
    return make_user(role=Role.PARK)


@pytest.fixture
def reviewer(make_user):
    return make_user(role=Role.SERVICE_CENTER)
