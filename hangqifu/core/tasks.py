from celery import shared_task

from hangqifu.core.models import WorkerHeartbeat

from . import jobs


@shared_task(name="hangqifu.core.tasks.run_due_jobs")
def run_due_jobs():
    return jobs.run_due_jobs()


@shared_task(name="hangqifu.core.tasks.ping")
def ping(marker: str):
    """Used by the worker integration test: proves a task ran in a real worker and wrote to the database."""

    WorkerHeartbeat.objects.create(marker=marker)
    return marker
