from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.core.pending import PendingItem, pending_work

from .models import Objection


@pending_work(Role.SERVICE_CENTER, Role.BUREAU)
def open_objections(user):
    count = Objection.objects.filter(state=Objection.State.OPEN).count()
    return [PendingItem("待处理的公示异议", reverse("admin:notices_objection_changelist") + "?state__exact=open", count)]
