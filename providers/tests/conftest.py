"""The providers tests' common ground: a selection round open on the root conftest's policy day of 2026."""
import pytest

from .factories import SelectionRoundFactory


@pytest.fixture
def open_round(policy_day):
    """A selection round open on the policy day (opened the day before, closing in 30 days)."""
    return SelectionRoundFactory()
