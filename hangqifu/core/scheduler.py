"""The periodic schedule is code: `CELERY_BEAT_SCHEDULE` (one entry, `run_due_jobs`, which runs every
registered job at its business time). django-celery-beat keeps it in database rows, which an admin form, a
shell or SQL could change — e.g. schedule `vouchers.void_year_after_fund_exhausted` for any year. So:

- the beat runs only rows that match a code entry (same name and task, no arguments): anything else in the
  table is ignored and logged, whatever wrote it (`CodeOwnedScheduler`);
- the admin shows the rows read-only, without the "run now" action (core/admin.py);
- every change to a schedule row, from any path, is an audit event (`scheduler.changed`, hangqifu/audit/
  schedule.py) — the beat's own bookkeeping (last run, run count) is not a change.
Each money-moving task still re-checks its precondition in its service (the state machine, the fund)."""
import logging

from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)


def code_entries() -> dict[str, str]:
    """{entry name: task name} of the code-owned schedule."""
    return {name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}


def is_code_owned(row) -> bool:
    expected = code_entries().get(row.name)
    return bool(expected and row.task == expected and row.args in ("", "[]") and row.kwargs in ("", "{}"))


class CodeOwnedScheduler(DatabaseScheduler):
    """DatabaseScheduler that schedules only the rows the code defines (it writes them itself at start)."""

    def enabled_models(self):
        rows = []
        for row in super().enabled_models():
            if is_code_owned(row):
                rows.append(row)
            else:
                logger.error("periodic task %r (%s) is not in the code-owned schedule: ignored", row.name, row.task)
        return rows
