"""Every change to a row of the beat's schedule (django-celery-beat's tables), from any code path — admin, shell,
the beat's start-up — is an audit event `scheduler.changed`, with the fields that changed and whether the row is
one the code owns (hangqifu.core.scheduler runs only those). The beat's own bookkeeping (last run, run count)
is not a change."""
from django.db.models.signals import post_delete, post_save, pre_save
from django_celery_beat import models

from hangqifu.core.scheduler import is_code_owned

from .services import audit_record

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
    for model in (models.PeriodicTask, models.IntervalSchedule, models.CrontabSchedule, models.SolarSchedule,
                  models.ClockedSchedule):
        uid = model._meta.label_lower
        pre_save.connect(_before, sender=model, dispatch_uid=f"schedule-before-{uid}")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"schedule-saved-{uid}")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"schedule-deleted-{uid}")
