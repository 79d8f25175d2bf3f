"""Who acts in supervision: complaints (第十八条) are handled by the service center, spot checks (第十九条) by
any government staff, recoveries (第二十条) are recorded by the bureau or the finance bureau, and fraud is
confirmed by the bureau. Composed from the role predicates; shared by the transitions (`permission=`),
services, pages and the API."""
from hangqifu.accounts.predicates import acts, has_role, is_bureau, is_service_center, is_staff
from hangqifu.accounts.roles import Role

def can_handle_complaints(user) -> bool:
    return is_service_center(user)


def can_confirm_fraud(user) -> bool:
    """认定违规套取资金并决定追回: the bureau."""
    return is_bureau(user)


def can_record_repayment(user) -> bool:
    return has_role(user, Role.BUREAU, Role.FINANCE_BUREAU)


def can_run_spot_checks(user) -> bool:
    return is_staff(user)


def can_view_recovery(recovery, user) -> bool:
    """Staff, and the organisation the money is recovered from."""
    return is_staff(user) or (acts(user) and user.organisation_id is not None
                              and user.organisation_id == recovery.organisation_id)


# FSM `permission=` callables (instance, user).
def complaint_handler(complaint, user) -> bool:
    """Starting an investigation: any service-center official (the complaint's handler, or whoever starts it
    when nobody is assigned)."""
    return can_handle_complaints(user)


def assigned_handler(complaint, user) -> bool:
    """Closing an investigation: the service-center official it is assigned to (a colleague first hands it
    over); while nobody is assigned, any of the service center."""
    return can_handle_complaints(user) and complaint.handler_id in (None, user.pk)


def spot_checker(check, user) -> bool:
    """Drawing and closing a spot check: any government staff."""
    return can_run_spot_checks(user)


def recovery_officer(recovery, user) -> bool:
    """Recording a repayment: the bureau or the finance bureau."""
    return can_record_repayment(user)
