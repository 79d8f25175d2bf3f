"""Daily jobs of registration (run by beat and by the test clock's run-due-tasks): open next year's re-review on
the policy's date; list entries whose listing day has come suspend what they hit. Each reads the business clock and
is idempotent. The job names keep the "vouchers." prefix they were scheduled under."""
import logging

from hangqifu.core.jobs import periodic_job

from .services.credit_lists import listed_parties_suspend
from .services.rereview import rereview_open

logger = logging.getLogger(__name__)


@periodic_job("vouchers.rereview_open")
def open_rereview():
    """On or after this year's `rereview_opens_on`, every active holder gets a draft re-review application
    for next year (idempotent)."""
    return rereview_open()


@periodic_job("vouchers.credit_lists")
def credit_list_suspensions():
    """Entries whose listing day has come (imported ahead of it) suspend what they hit (第六条); idempotent."""
    result = listed_parties_suspend()
    logger.info("vouchers.credit_lists: %s", result)
    return result
