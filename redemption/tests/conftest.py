import pytest

from . import factories


@pytest.fixture
def now(set_clock):
    return set_clock("2026-06-01T09:00:00+08:00")


@pytest.fixture
def policy_years(db):
    """Transactional tests flush the tables after each test, the seeded policy years included."""
    from hangqifu.policy.models import PolicyYear

    for year in (2026, 2027):
        PolicyYear.objects.get_or_create(year=year)


@pytest.fixture
def provider(db):
    return factories.provider_user("xihu")


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service and run what it schedules after commit (the settlement tasks, eagerly)."""
    def _run(fn, *args, **kwargs):
        return factories.run_on_commit(django_capture_on_commit_callbacks, fn, *args, **kwargs)
    return _run
