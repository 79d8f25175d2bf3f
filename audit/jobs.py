from hangqifu.core.jobs import periodic_job

from . import complaints


@periodic_job("audit.complaints_overdue")
def complaints_overdue():
    """Remind once per complaint that passed its answer deadline while still open."""
    return {"reminded": complaints.complaint_flag_overdue()}
