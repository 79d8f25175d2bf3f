"""document_store(): the one upload path for every app. Refuses anything that is not a clean PDF, JPEG or
PNG within the size limit, before a byte reaches storage."""
import hashlib
import os
import unicodedata

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction

from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import DomainError

from .kinds import EXTENSIONS, NAME_EXTENSIONS, kind_label
from .models import Document
from .sniff import UnreadablePdf, pdf_active_content, pdf_object_graph_findings, sniff

MAX_NAME_LENGTH = 100


def _refuse(detail: str, field: str = "file"):
    raise DomainError(detail, code="invalid_document", status=400, fields={field: [detail]})


def _clean_name(name: str) -> str:
    """The uploader's file name for display and the download header. Browsers send a bare name; one with
    directory parts or '..' is a path-traversal attempt and is refused."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if "/" in name or "\\" in name or "\x00" in name or name in {".", ".."} or name.startswith(".."):
        _refuse("文件名不能包含路径（如“../”或“/”），请重命名后再上传")
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    stem, ext = os.path.splitext(name)
    ext = ext.lower()[:10]
    stem = stem[: MAX_NAME_LENGTH - len(ext)]
    return f"{stem}{ext}" if stem else ""


def _read(uploaded_file) -> bytes:
    limit = settings.UPLOAD_MAX_BYTES
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        _refuse(f"文件超过 {limit // (1024 * 1024)} MB 的大小上限")
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    data = bytearray()
    for chunk in uploaded_file.chunks() if hasattr(uploaded_file, "chunks") else [uploaded_file.read()]:
        data += chunk
        if len(data) > limit:
            _refuse(f"文件超过 {limit // (1024 * 1024)} MB 的大小上限")
    return bytes(data)


def document_validate(*, kind: str, uploaded_file, allowed_kinds=None) -> tuple[bytes, str, str]:
    """Check an upload without storing it → (content, sniffed mime type, cleaned original name)."""
    if allowed_kinds is not None and kind not in allowed_kinds:
        _refuse(f"此处不接受“{kind_label(kind)}”类材料", field="kind")
    if uploaded_file is None:
        _refuse("请选择要上传的文件")
    name = _clean_name(getattr(uploaded_file, "name", "") or "")
    data = _read(uploaded_file)
    if not data:
        _refuse("文件为空，请重新选择")
    mime = sniff(data[:16])
    if mime is None:
        _refuse("只接受 PDF、JPG、PNG 格式的文件（按文件内容识别，修改扩展名无效）")
    ext = os.path.splitext(name)[1]
    if ext and ext not in NAME_EXTENSIONS[mime]:
        _refuse(f"文件扩展名“{ext}”与文件实际格式（{EXTENSIONS[mime][1:].upper()}）不符")
    if mime == "application/pdf":
        try:
            active = pdf_active_content(data) or pdf_object_graph_findings(data)
        except UnreadablePdf:
            # No usable cross-reference table (viewers repair these): scan every byte instead, so nothing
            # can hide in what only looks like a stream.
            active = pdf_active_content(data, whole_file=True)
        if active:
            _refuse("PDF 文件含有脚本、自动执行动作或嵌入文件，出于安全原因不能上传，请另存或打印为普通 PDF 后再上传")
    if not name:
        name = f"{kind_label(kind)}{EXTENSIONS[mime]}"
    elif not ext:
        name = f"{name}{EXTENSIONS[mime]}"
    return data, mime, name


def document_store(*, owner, kind: str, uploaded_file, actor, allowed_kinds=None) -> Document:
    """Store one upload for `owner`. Raises DomainError(code="invalid_document", 400) and stores nothing
    when the file is refused. Call it inside the owner's service transaction."""
    if owner is None or owner.pk is None:
        raise ValueError("document_store needs a saved owner")
    data, mime, name = document_validate(kind=kind, uploaded_file=uploaded_file, allowed_kinds=allowed_kinds)
    document = Document(
        content_type=ContentType.objects.get_for_model(owner), object_id=str(owner.pk), kind=kind,
        original_name=name, mime_type=mime, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor if getattr(actor, "pk", None) else None, uploaded_at=clock.now(),
    )
    document.file.save("upload", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            document.save()
            audit_record(actor=actor, action="document.upload", obj=document,
                         organisation=getattr(owner, "organisation", None) or getattr(actor, "organisation", None),
                         payload={"owner_type": document.content_type.model, "owner_id": document.object_id,
                                  "kind": kind, "name": name, "mime_type": mime, "size": len(data),
                                  "sha256": document.sha256})
    except Exception:
        document.file.storage.delete(document.file.name)
        raise
    return document


@transaction.atomic
def document_delete(*, document: Document, actor) -> None:
    """Remove a document (e.g. the owner replaces a file before submitting). The owning app decides
    whether deleting is allowed in the owner's current state."""
    name, storage = document.file.name, document.file.storage
    audit_record(actor=actor, action="document.delete", obj=document,
                 payload={"owner_type": document.content_type.model, "owner_id": document.object_id,
                          "kind": document.kind, "sha256": document.sha256})
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))
