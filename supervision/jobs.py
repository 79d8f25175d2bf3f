from hangqifu.core.jobs import periodic_job

from . import complaints, fraud
from .dashboard_rollup import dashboard_rollup

# the job names keep their "audit." prefix: they key the beat schedule and the run history


@periodic_job("audit.complaints_overdue")
def complaints_overdue():
    """Remind once per complaint that passed its answer deadline while still open."""
    return {"reminded": complaints.complaint_flag_overdue()}


@periodic_job("audit.fraud_signals")
def fraud_signals_nightly():
    """Recompute the fraud-signal rules for the business day (the day's rows are replaced: idempotent)."""
    return fraud.fraud_signals_compute()


@periodic_job("audit.dashboard_rollup")
def dashboard_rollup_nightly():
    """The bureau dashboard's closed months, summed once per business day (the page computes only the open month)."""
    return dashboard_rollup()
