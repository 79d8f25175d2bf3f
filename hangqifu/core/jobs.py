"""Periodic jobs. Each app declares its daily jobs in `<app>/jobs.py` with @periodic_job; one beat entry
(hangqifu.core.tasks.run_due_jobs) and the test clock's run-due-tasks endpoint run them all. A job reads
the business clock, does what is due at that time and is idempotent, so running it twice is harmless."""
import logging
from collections.abc import Callable

from django.utils.module_loading import autodiscover_modules

from .outbox import outbox_relay

logger = logging.getLogger(__name__)
_JOBS: dict[str, Callable[[], object]] = {}


def periodic_job(name: str):
    def register(fn):
        _JOBS[name] = fn
        return fn
    return register


def registered_jobs() -> dict[str, Callable[[], object]]:
    autodiscover_modules("jobs")
    return dict(_JOBS)


def run_due_jobs() -> dict[str, object]:
    results = {}
    for name, job in registered_jobs().items():
        results[name] = job()
        logger.info("periodic job %s: %s", name, results[name])
    return results


@periodic_job("core.outbox_relay")
def relay_outbox():
    """Send the tasks that could not reach the broker when their transaction committed (core.outbox)."""

    return outbox_relay()
