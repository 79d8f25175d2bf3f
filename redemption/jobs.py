from hangqifu.core.jobs import periodic_job

from .services import notice_conclusion, settlement


@periodic_job("redemption.settlement")
def advance_settlements():
    """Conclude batches whose public notice has closed; resume any collection or issuing left by a crash."""
    return {**notice_conclusion.batches_conclude_notices(), **settlement.batches_resume()}
