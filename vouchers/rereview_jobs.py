"""Periodic job of registration: open next year's re-review on the policy's date."""
from hangqifu.core.jobs import periodic_job

from .services.rereview import rereview_open


@periodic_job("vouchers.rereview_open")
def open_rereview():
    """On or after this year's `rereview_opens_on`, every active holder gets a draft re-review application
    for next year (idempotent)."""

    return rereview_open()
