"""Notice handlers: the app that puts objects on a notice learns the outcome for each item.

In `<app>/notice_handlers.py`:

    @notice_handler("provider_admission")
    class AdmissionHandler:
        def item_cleared(self, item, *, actor): ...    # item.subject is the object
        def item_withdrawn(self, item, *, actor): ...

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
