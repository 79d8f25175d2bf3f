"""Reads of claimed vouchers (always scoped: an organisation sees its own, staff see all)."""
from django.db.models import QuerySet

from hangqifu.core.errors import NotFound

from .. import permissions as perms
from ..models.vouchers import Voucher


def vouchers_for(*, user, state: str | None = None, year=None, category: str | None = None) -> QuerySet[Voucher]:
    if perms.is_staff(user):
        vouchers = Voucher.objects.all()
    elif perms.is_buyer(user):
        vouchers = Voucher.objects.filter(organisation_id=user.organisation_id)
    else:
        vouchers = Voucher.objects.none()
    if state:
        vouchers = vouchers.filter(state=state)
    if year and str(year).isdigit():
        vouchers = vouchers.filter(year=int(year))
    if category:
        vouchers = vouchers.filter(category=category)
    return vouchers.select_related("organisation", "batch", "qualification").order_by("-id")


def voucher_get(*, user, voucher_id) -> Voucher:
    voucher = vouchers_for(user=user).filter(pk=voucher_id).first() if str(voucher_id).isdigit() else None
    if voucher is None:
        raise NotFound("服务券不存在")
    return voucher
