from hangqifu.core.jobs import periodic_job

from . import verification


@periodic_job("audit.verify_chain")
def verify_chain_daily():
    """Recompute the audit chain once a business day; a break alerts the bureau and the service center."""
    return verification.chain_check_daily()
