from hangqifu.core.jobs import periodic_job

from .services import settlement


@periodic_job("redemption.settlement")
def advance_settlements():
    """Conclude batches whose public notice has closed; resume any collection or issuing left by a crash."""
    return {**settlement.batches_conclude_notices(), **settlement.batches_resume()}
