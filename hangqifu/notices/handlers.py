"""Notice handlers: the app that puts objects on a notice learns the outcome for each item.

In `<app>/notice_handlers.py`:

    @notice_handler("provider_admission")
    class AdmissionHandler:
        def item_cleared(self, item, *, actor): ...    # item.subject is the object
        def item_withdrawn(self, item, *, actor): ...
        def items_cleared(self, notice, items, *, actor): ...  # optional: every item a notice's close
                                                               # cleared at once (a queryset), for big notices

Handlers run inside the notices service's transaction; `actor` is None when the closing job acts."""
import logging

from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)
_HANDLERS: dict[str, object] = {}


def notice_handler(kind: str):
    def register(cls):
        _HANDLERS[kind] = cls()
        return cls
    return register


def handler_for(kind: str):
    autodiscover_modules("notice_handlers")
    return _HANDLERS.get(kind)


def dispatch(item, outcome: str, *, actor) -> None:
    handler = handler_for(item.notice.kind)
    if handler is None:
        logger.warning("no notice handler for kind %s (item %s %s)", item.notice.kind, item.pk, outcome)
        return
    getattr(handler, f"item_{outcome}")(item, actor=actor)


def dispatch_many(notice, items, outcome: str, *, actor) -> None:
    """Tell the handler about many items of one notice with the same outcome: at once through its
    `items_<outcome>(notice, items, actor=…)` if it has one (items is a queryset), else item by item."""
    handler = handler_for(notice.kind)
    if handler is None:
        logger.warning("no notice handler for kind %s (notice %s, items %s)", notice.kind, notice.pk, outcome)
        return
    bulk = getattr(handler, f"items_{outcome}", None)
    if bulk is not None:
        bulk(notice, items, actor=actor)
        return
    for item in items.order_by("id").iterator():
        item.notice = notice
        getattr(handler, f"item_{outcome}")(item, actor=actor)
