from django.http import FileResponse

from hangqifu.audit.services import audit_record

from .models import Document


def download_response(document: Document, *, user) -> FileResponse:
    """The file as an attachment (never rendered inline), with the original name (RFC 5987 for Chinese). Every
    download is an audit event: who read which material."""
    audit_record(actor=user, action="document.downloaded", obj=document,
                 payload={"kind": document.kind, "name": document.original_name[:200]})
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name,
                            content_type=document.mime_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
