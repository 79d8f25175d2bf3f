"""The providers tests' common ground: business time on the admission day of 2026, a selection round open."""
import pytest

from .factories import SelectionRoundFactory


@pytest.fixture
def admission_day(set_clock):
    """Business time frozen on 1 June 2026, a working morning of the year under test."""
    return set_clock("2026-06-01T09:00:00+08:00")


@pytest.fixture
def open_round(admission_day):
    """A selection round open on the admission day (opened the day before, closing in 30 days)."""
    return SelectionRoundFactory()
