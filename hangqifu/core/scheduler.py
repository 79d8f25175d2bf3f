"""The periodic schedule is code: `CELERY_BEAT_SCHEDULE` (one entry, `run_due_jobs`, which runs every
registered job at its business time). django-celery-beat keeps it in database rows, which an admin form, a
shell or SQL could change — e.g. schedule `vouchers.void_year_after_fund_exhausted` for any year. So:

- the beat runs only rows that match a code entry (same name and task, no arguments): anything else in the
  table is ignored and logged, whatever wrote it (`CodeOwnedScheduler`);
- the admin shows the rows read-only, without the "run now" action (core/admin.py);
- every change to a schedule row, from any path, is an audit event (`scheduler.changed`) — the beat's own
  bookkeeping (last run, run count) is not a change.
Each money-moving task still re-checks its precondition in its service (the state machine, the fund)."""
import logging

from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

from hangqifu.audit.services import audit_record

logger = logging.getLogger(__name__)

# What defines a schedule row; the beat itself writes only last_run_at, total_run_count and date_changed.
_DEFINITION_FIELDS = {
    "periodictask": ["name", "task", "args", "kwargs", "enabled", "one_off", "start_time", "expires",
                     "expire_seconds", "queue", "exchange", "routing_key", "priority", "headers",
                     "interval_id", "crontab_id", "solar_id", "clocked_id"],
    "intervalschedule": ["every", "period"],
    "crontabschedule": ["minute", "hour", "day_of_week", "day_of_month", "month_of_year", "timezone"],
    "solarschedule": ["event", "latitude", "longitude"],
    "clockedschedule": ["clocked_time"],
}


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


def _snapshot(instance) -> dict:
    fields = _DEFINITION_FIELDS.get(instance._meta.model_name, [])
    return {name: getattr(instance, name) for name in fields}


def _before(sender, instance, **kwargs):
    old = sender._default_manager.filter(pk=instance.pk).first() if instance.pk else None
    instance._schedule_before = _snapshot(old) if old is not None else None


def _after_save(sender, instance, created, **kwargs):
    before, after = getattr(instance, "_schedule_before", None), _snapshot(instance)
    changes = {name: [None if before is None else before.get(name), value] for name, value in after.items()
               if before is None or before.get(name) != value}
    if created or changes:
        audit_record(action="scheduler.changed", obj=instance,
                     payload={"model": instance._meta.label_lower, "object": str(instance)[:200],
                              "created": bool(created), "changes": changes,
                              "code_owned": is_code_owned(instance) if sender.__name__ == "PeriodicTask" else None})


def _after_delete(sender, instance, **kwargs):
    audit_record(action="scheduler.changed", obj=instance,
                 payload={"model": instance._meta.label_lower, "object": str(instance)[:200], "deleted": True})


def connect() -> None:
    """Audit every schedule change, whichever code path made it (admin, shell, beat start-up)."""
    from django.db.models.signals import post_delete, post_save, pre_save
    from django_celery_beat import models

    for model in (models.PeriodicTask, models.IntervalSchedule, models.CrontabSchedule, models.SolarSchedule,
                  models.ClockedSchedule):
        uid = model._meta.label_lower
        pre_save.connect(_before, sender=model, dispatch_uid=f"schedule-before-{uid}")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"schedule-saved-{uid}")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"schedule-deleted-{uid}")
