from django.urls import reverse

from hangqifu.core.pending import PendingItem, pending_work

from .models import CreditCodeClaim
from .roles import Role


@pending_work(Role.SERVICE_CENTER)
def credit_claims_to_check(user):
    count = CreditCodeClaim.objects.filter(state=CreditCodeClaim.State.SUBMITTED).count()
    return [PendingItem("待核实的信用代码归属申诉", reverse("credit-claim-list"), count)]
