from hangqifu.core.jobs import periodic_job

from .performance import removal_proposals_run


@periodic_job("providers.removal_proposals")
def removal_proposals():
    """Nightly: propose removal of providers whose ratings or order history meet a 第十七条 ground."""
    return removal_proposals_run()
