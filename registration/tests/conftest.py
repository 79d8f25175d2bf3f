"""Fixtures of the vouchers tests. Registration: a frozen 2026 business clock and users per role."""
import pytest

from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import user_fixture
from registration.tests.factories import NOW


@pytest.fixture
def clock_2026(set_clock):
    return set_clock(NOW)


enterprise = user_fixture(Role.ENTERPRISE)
park_user = user_fixture(Role.PARK)
reviewer = user_fixture(Role.SERVICE_CENTER)
