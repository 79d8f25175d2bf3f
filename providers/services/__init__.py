"""Every write of the providers domain. Views, admin, the API, notice handlers and jobs call these."""
from .applications import (
    application_admit,
    application_confirm,
    application_create,
    application_document_add,
    application_objection_upheld,
    application_pre_review,
    application_reject,
    application_return,
    application_submit,
    application_update,
    applications_confirm,
    missing_documents,
)
from .products import (
    product_approve,
    product_create,
    product_delist,
    product_evidence_add,
    product_return,
    product_stats_record,
    product_submit,
    product_update,
)
from .removals import (
    removal_announce,
    removal_cancel,
    removal_complete,
    removal_confirm,
    removal_objection_upheld,
    removal_propose,
)
from .reviews import conflict_declare, experts_assign, has_conflict, review_record, third_party_review_record
from .selection import (
    product_selected,
    product_selection_objection_upheld,
    product_selection_pre_review,
    product_selection_review,
    products_selection_confirm,
)

__all__ = [
    "application_admit", "application_confirm", "application_create", "application_document_add",
    "application_objection_upheld", "application_pre_review", "application_reject", "application_return",
    "application_submit", "application_update", "applications_confirm", "conflict_declare", "experts_assign",
    "has_conflict", "missing_documents", "product_approve", "product_create", "product_delist",
    "product_evidence_add", "product_return", "product_selected", "product_selection_objection_upheld",
    "product_selection_pre_review", "product_selection_review", "product_stats_record", "product_submit",
    "product_update", "products_selection_confirm",
    "removal_announce", "removal_cancel", "removal_complete", "removal_confirm", "removal_objection_upheld",
    "removal_propose", "review_record", "third_party_review_record",
]
