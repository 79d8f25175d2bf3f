"""`make reliability`: the long checks live in `reliability/check_*.py` (the normal suite never collects them)
and record their figures with `reliability.figures.record`; `reliability/report.py` writes
bench/RELIABILITY.md and bench/reliability.json from them."""
import pytest


@pytest.fixture
def world(set_clock):
    """Business time 2026-06-01 09:00 and the policy years the transactional flush may have removed."""
    from reliability.scenarios import ensure_policy_years

    set_clock("2026-06-01T09:00:00+08:00")
    ensure_policy_years()
