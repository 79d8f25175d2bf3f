from django.contrib.contenttypes.models import ContentType

from .models import Document


def documents_for(owner, kind: str | None = None):
    """The owner's documents, oldest first (optionally of one kind)."""
    queryset = Document.objects.filter(content_type=ContentType.objects.get_for_model(owner),
                                       object_id=str(owner.pk))
    return queryset.filter(kind=kind) if kind else queryset


def document_for_download(*, document_id: int, user) -> Document | None:
    """The document if its owner lets `user` see it, else None (callers answer 404 either way)."""
    document = Document.objects.select_related("content_type").filter(pk=document_id).first()
    if document is None:
        return None
    owner = document.owner
    can_view = getattr(owner, "user_can_view", None)
    if owner is None or can_view is None or not can_view(user):
        return None
    return document
