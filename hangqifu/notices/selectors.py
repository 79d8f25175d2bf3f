from django.db.models import Prefetch

from .models import NoticeItem, Objection, PublicNotice
from .permissions import can_resolve_objections


def public_notices(*, state: str | None = None, kind: str | None = None):
    """Published and closed notices, newest first, with their items (public, no login)."""
    queryset = (PublicNotice.objects.exclude(state=PublicNotice.State.DRAFT)
                .prefetch_related(Prefetch("items", queryset=NoticeItem.objects.order_by("id")))
                .order_by("-published_at", "-id"))
    if state:
        queryset = queryset.filter(state=state)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset


def notice_for(*, notice_id: int, user) -> PublicNotice | None:
    notice = PublicNotice.objects.prefetch_related("items").filter(pk=notice_id).first()
    if notice is None or not notice.user_can_view(user):
        return None
    return notice


def objections_of(*, notice: PublicNotice, user):
    """The objections this user filed on the notice (objectors are not shown to the public)."""
    if not getattr(user, "is_authenticated", False):
        return Objection.objects.none()
    return Objection.objects.filter(notice=notice, user=user).select_related("item").order_by("id")


def objections_for(*, user, state: str | None = None):
    """Staff who resolve objections see all; everyone else sees their own."""

    queryset = Objection.objects.select_related("notice", "item", "user", "resolved_by").order_by("-id")
    if not can_resolve_objections(user):
        queryset = queryset.filter(user=user)
    return queryset.filter(state=state) if state else queryset
