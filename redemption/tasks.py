"""Settlement steps as Celery tasks: acks late (a killed worker's message is redelivered), each effect a UNIQUE
row, so running a task again after a crash finishes the work and duplicates nothing. `redemption.resume`
(jobs.py) re-enqueues any step left unfinished."""
from celery import shared_task

from .services import collection, disbursement, notice_conclusion


@shared_task(name="redemption.collect_batch", acks_late=True, reject_on_worker_lost=True)
def collect_batch(batch_id: int):
    return collection.batch_collect(batch_id=batch_id)


@shared_task(name="redemption.issue_disbursements", acks_late=True, reject_on_worker_lost=True)
def issue_disbursements(batch_id: int):
    return disbursement.batch_issue(batch_id=batch_id)


@shared_task(name="redemption.conclude_notice", acks_late=True, reject_on_worker_lost=True)
def conclude_notice(batch_id: int):
    return notice_conclusion.batch_conclude_notice(batch_id=batch_id)
