"""Celery tasks of the vouchers app. A task fetches ids, then calls a service (which owns the transaction)."""
from celery import shared_task

from .services.expiry import fund_exhaust


@shared_task(name="vouchers.void_year_after_fund_exhausted", acks_late=True)
def void_year_after_fund_exhausted(year: int):
    """The year's fund refused a deduction: void its unused vouchers (idempotent, safe to retry)."""

    result = fund_exhaust(year=year)
    return {"year": year, "voided": result["count"], "amount": str(result["amount"])}
