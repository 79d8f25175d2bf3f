"""Reads of claimed vouchers (always scoped: an organisation sees its own, staff see all)."""
from django.db.models import QuerySet

from hangqifu.core.errors import NotFound

from ..models.vouchers import Voucher
from .scope import narrowed, visible_to


def vouchers_for(*, user, state: str | None = None, year=None, category: str | None = None) -> QuerySet[Voucher]:
    vouchers = visible_to(user, Voucher.objects.all(), buyer="organisation_id", provider=None)  # never a provider's
    vouchers = narrowed(vouchers, state=state, year=year, category=category)
    return vouchers.select_related("organisation", "batch", "qualification").order_by("-id")


def voucher_get(*, user, voucher_id) -> Voucher:
    voucher = vouchers_for(user=user).filter(pk=voucher_id).first() if str(voucher_id).isdigit() else None
    if voucher is None:
        raise NotFound("服务券不存在")
    return voucher
