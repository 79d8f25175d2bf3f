"""Outcome of the public notices this app publishes (hangqifu.notices): admission and removal."""
from hangqifu.notices.handlers import notice_handler

from . import services
from .models import Product


@notice_handler("provider_admission")
class AdmissionNoticeHandler:
    """Providers selected in a round, and products added after admission selected in a round (第十五条)."""

    def item_cleared(self, item, *, actor):
        if isinstance(item.subject, Product):
            services.product_selected(product=item.subject, actor=actor)
        else:
            services.application_admit(application=item.subject, actor=actor)

    def item_withdrawn(self, item, *, actor):
        if isinstance(item.subject, Product):
            services.product_selection_objection_upheld(product=item.subject, actor=actor)
        else:
            services.application_objection_upheld(application=item.subject, actor=actor)


@notice_handler("provider_removal")
class RemovalNoticeHandler:
    def item_cleared(self, item, *, actor):
        services.removal_complete(removal=item.subject, actor=actor)

    def item_withdrawn(self, item, *, actor):
        services.removal_objection_upheld(removal=item.subject, actor=actor)
