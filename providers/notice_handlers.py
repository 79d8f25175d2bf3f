"""Outcome of the public notices this app publishes (hangqifu.notices): admission and removal."""
from hangqifu.notices.handlers import notice_handler

from . import services


@notice_handler("provider_admission")
class AdmissionNoticeHandler:
    def item_cleared(self, item, *, actor):
        services.application_admit(application=item.subject, actor=actor)

    def item_withdrawn(self, item, *, actor):
        services.application_objection_upheld(application=item.subject, actor=actor)


@notice_handler("provider_removal")
class RemovalNoticeHandler:
    def item_cleared(self, item, *, actor):
        services.removal_complete(removal=item.subject, actor=actor)

    def item_withdrawn(self, item, *, actor):
        services.removal_objection_upheld(removal=item.subject, actor=actor)
