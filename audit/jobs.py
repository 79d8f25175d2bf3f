from hangqifu.core.jobs import periodic_job

from . import complaints, verification


@periodic_job("audit.complaints_overdue")
def complaints_overdue():
    """Remind once per complaint that passed its answer deadline while still open."""
    return {"reminded": complaints.complaint_flag_overdue()}


@periodic_job("audit.verify_chain")
def verify_chain_daily():
    """Recompute the audit chain once a business day; a break alerts the bureau and the service center."""
    return verification.chain_check_daily()


@periodic_job("audit.fraud_signals")
def fraud_signals_nightly():
    """Recompute the fraud-signal rules for the business day (the day's rows are replaced: idempotent)."""
    from . import fraud

    return fraud.fraud_signals_compute()


@periodic_job("audit.dashboard_rollup")
def dashboard_rollup_nightly():
    """The bureau dashboard's closed months, summed once per business day (the page computes only the open month)."""
    from . import dashboard

    return dashboard.dashboard_rollup()
