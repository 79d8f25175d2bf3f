"""Daily jobs of the money core (run by beat and by the test clock's run-due-tasks). Each reads the business
clock and is idempotent."""
import logging

from hangqifu.core.jobs import periodic_job

from .services.expiry import exhausted_years_sweep, vouchers_expire_due
from .services.funds import batches_close_due

logger = logging.getLogger(__name__)


@periodic_job("vouchers.expire")
def expire_vouchers():
    """Vouchers past validity, and every voucher of an ended year, expire (one set-based sweep); years whose
    fund is exhausted keep no live voucher; batches past their window close."""
    expired = vouchers_expire_due()
    voided = exhausted_years_sweep()
    closed = batches_close_due()
    result = {"expired": expired["count"], "expired_amount": str(expired["amount"]),
              "voided_exhausted_years": {year: r["count"] for year, r in voided.items()}, "batches_closed": closed}
    logger.info("vouchers.expire: %s", result)
    return result
