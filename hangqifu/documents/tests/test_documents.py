import hashlib
import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files import File
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.audit.models import AuditEvent
from hangqifu.core.errors import DomainError
from hangqifu.documents.models import Document
from hangqifu.documents.selectors import documents_for
from hangqifu.documents.services import document_delete, document_store
from hangqifu.notices.models import PublicNotice

from .factories import JPEG_BYTES, PNG_BYTES, _stream, compressed_object_stream, pdf_bytes, pdf_upload, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft_notice(bureau):
    # A draft notice is visible to staff only: a convenient owner with a real user_can_view rule.
    return PublicNotice.objects.create(kind="general", title="关于拟入驻服务机构的公示", working_days=5,
                                       created_by=bureau)


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()]


def test_store_a_pdf_keeps_hash_size_and_a_server_generated_name(draft_notice, bureau, set_clock):
    set_clock("2026-06-01T09:00:00+08:00")
    data = pdf_bytes()
    # when
    document = document_store(owner=draft_notice, kind="notice_attachment", uploaded_file=pdf_upload("公示名单.pdf"),
                              actor=bureau)
    # then
    assert document.sha256 == hashlib.sha256(data).hexdigest() and document.size == len(data)
    assert document.mime_type == "application/pdf" and document.original_name == "公示名单.pdf"
    assert document.file.name.startswith("documents/2026/") and "公示" not in document.file.name
    assert not document.file.name.startswith("static")
    assert list(documents_for(draft_notice)) == [document]
    assert list(documents_for(draft_notice, kind="contract")) == []
    event = AuditEvent.objects.get(action="document.upload", object_id=str(document.pk))
    assert event.payload["sha256"] == document.sha256 and event.actor == bureau


@pytest.mark.parametrize("name,data,ctype", [
    ("photo.png", PNG_BYTES, "image/png"),
    ("扫描件.JPG", JPEG_BYTES, "image/jpeg"),
])
def test_images_are_accepted_by_content(draft_notice, bureau, name, data, ctype):
    document = document_store(owner=draft_notice, kind="other", uploaded_file=upload(name, data, ctype), actor=bureau)
    assert document.mime_type == ctype
    assert document.file.name.endswith(".png" if ctype == "image/png" else ".jpg")


def test_a_pdf_without_cross_reference_table_is_accepted_when_clean(draft_notice, bureau):
    minimal = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    document = document_store(owner=draft_notice, kind="other", uploaded_file=upload("a.pdf", minimal), actor=bureau)
    assert document.size == len(minimal)


def test_compressed_image_bytes_that_look_like_names_are_not_mistaken_for_scripts(draft_notice, bureau):
    noise = b"\x00\x17/JS \x80/Launch(\xff"
    image = compressed_object_stream(noise, stream_type=b"/Type /XObject /Subtype /Image /Width 1 /Height 1")
    raw = _stream(b"/Type /XObject /Subtype /Image /Filter /DCTDecode", noise)
    document = document_store(owner=draft_notice, kind="other", actor=bureau,
                              uploaded_file=upload("scan.pdf", pdf_bytes(more=[image, raw])))
    assert document.mime_type == "application/pdf"


@pytest.mark.parametrize("name,data,message", [
    ("contract.pdf", b"<html><script>alert(1)</script></html>", "只接受 PDF、JPG、PNG"),
    ("contract.pdf", pdf_bytes(extra=b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "), "脚本"),
    ("contract.pdf", pdf_bytes(extra=b"/OpenAction << /S /J#61vaScript /JS (x) >> "), "脚本"),
    ("contract.pdf", pdf_bytes(extra=b"/OpenAction << /S /Launch /F (cmd.exe) >> "), "脚本"),
    ("contract.pdf", pdf_bytes(extra=b"/Names << /EmbeddedFiles 9 0 R >> "), "嵌入文件"),
    ("contract.pdf", pdf_bytes(extra=b"/OpenAction 6 0 R ", more=[
        compressed_object_stream(b"6 0 << /S /JavaScript /JS (app.alert(1)) >>")]), "脚本"),
    # a fake "stream … endstream" bracket inside strings must not hide a real action from the check
    ("contract.pdf", pdf_bytes(extra=b"/OpenAction 6 0 R ", more=[
        b"(stream\n)", b"<< /S /JavaScript /JS (app.alert(1)) >>", b"(endstream)"]), "脚本"),
    # without a cross-reference table the whole file is scanned
    ("contract.pdf", b"%PDF-1.4\n1 0 obj << /OpenAction 2 0 R >> endobj (stream\n) 2 0 obj << /S /JavaScript >> "
                     b"endobj (endstream) trailer << /Root 1 0 R >>\n%%EOF\n", "脚本"),
    ("contract.pdf", b"", "文件为空"),
    ("photo.pdf", PNG_BYTES, "扩展名"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(draft_notice, bureau, name, data, message):
    before = set(_stored_files())
    with pytest.raises(DomainError) as exc:
        document_store(owner=draft_notice, kind="contract", uploaded_file=upload(name, data), actor=bureau)
    assert exc.value.code == "invalid_document" and exc.value.status == 400
    assert message in exc.value.detail
    assert not Document.objects.exists()
    assert set(_stored_files()) == before
    assert not AuditEvent.objects.filter(action="document.upload").exists()


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\boot.ini.pdf", "/var/www/x.pdf", ".."])
def test_path_traversal_names_are_refused(draft_notice, bureau, name):
    # Django's multipart parser already keeps only the base name of browser uploads; files handed to the
    # service any other way (imports, tasks) keep their name, so the service refuses directory parts itself.
    before = set(_stored_files())
    with pytest.raises(DomainError) as exc:
        document_store(owner=draft_notice, kind="other", uploaded_file=File(io.BytesIO(pdf_bytes()), name=name),
                       actor=bureau)
    assert exc.value.code == "invalid_document" and "路径" in exc.value.detail
    assert not Document.objects.exists() and set(_stored_files()) == before


def test_oversize_is_refused(draft_notice, bureau, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(DomainError) as exc:
        document_store(owner=draft_notice, kind="contract", uploaded_file=upload("big.pdf", pdf_bytes("x" * 2000)),
                       actor=bureau)
    assert exc.value.code == "invalid_document" and "大小上限" in exc.value.detail
    assert not Document.objects.exists()


def test_kind_outside_the_allowed_list_is_refused(draft_notice, bureau):
    with pytest.raises(DomainError) as exc:
        document_store(owner=draft_notice, kind="invoice", uploaded_file=pdf_upload(), actor=bureau,
                       allowed_kinds={"contract", "other"})
    assert exc.value.code == "invalid_document" and "增值税发票" in exc.value.detail
    assert exc.value.fields == {"kind": [exc.value.detail]}


def test_long_names_and_control_characters_are_cleaned(draft_notice, bureau):
    document = document_store(owner=draft_notice, kind="other", actor=bureau,
                              uploaded_file=upload("合同" * 80 + "\x07.PDF", pdf_bytes()))
    assert len(document.original_name) <= 100 and document.original_name.endswith(".pdf")
    assert "\x07" not in document.original_name


def test_a_database_failure_leaves_no_orphan_file(draft_notice, bureau, monkeypatch):
    from hangqifu.documents import services

    def broken(**kwargs):
        raise RuntimeError("audit down")

    before = set(_stored_files())
    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        document_store(owner=draft_notice, kind="other", uploaded_file=pdf_upload(), actor=bureau)
    assert set(_stored_files()) == before and not Document.objects.exists()


def test_delete_removes_row_and_file(draft_notice, bureau, django_capture_on_commit_callbacks):
    document = document_store(owner=draft_notice, kind="other", uploaded_file=pdf_upload(), actor=bureau)
    path = document.file.path
    with django_capture_on_commit_callbacks(execute=True):
        document_delete(document=document, actor=bureau)
    assert not Document.objects.exists() and not os.path.exists(path)


class TestDownload:
    @pytest.fixture
    def document(self, draft_notice, bureau):
        return document_store(owner=draft_notice, kind="notice_attachment", uploaded_file=pdf_upload("拟入驻名单.pdf"),
                              actor=bureau)

    def test_authorised_user_downloads_an_attachment_with_nosniff(self, client, make_user, document):
        client.force_login(make_user(role=Role.SERVICE_CENTER))
        response = client.get(reverse("documents:download", args=[document.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=utf-8''%E6%8B%9F%E5%85%A5%E9%A9%BB%E5%90%8D%E5%8D%95.pdf" in disposition
        assert b"".join(response.streaming_content) == pdf_bytes()

    def test_api_download_for_authorised_user(self, api_as, bureau, document):
        response = api_as(bureau).get(reverse("api:document-download", args=[document.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_anyone_else_gets_404_like_a_missing_document(self, client, api_as, make_user, document):
        outsider = make_user(role=Role.ENTERPRISE)
        client.force_login(outsider)
        assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404
        assert client.get(reverse("documents:download", args=[document.pk + 999])).status_code == 404
        api = api_as(outsider)
        for pk in (document.pk, document.pk + 999):
            response = api.get(reverse("api:document-download", args=[pk]))
            assert response.status_code == 404 and response.json()["code"] == "not_found"

    def test_anonymous_is_asked_to_log_in_whatever_the_id(self, client, api_client, document):
        for pk in (document.pk, document.pk + 999):
            response = client.get(reverse("documents:download", args=[pk]))
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
            assert api_client.get(reverse("api:document-download", args=[pk])).status_code == 401

    def test_owner_rule_decides_once_the_notice_is_public(self, client, make_user, document, draft_notice):
        PublicNotice.objects.filter(pk=draft_notice.pk).update(state=PublicNotice.State.PUBLISHED)
        client.force_login(make_user(role=Role.ENTERPRISE))
        assert client.get(reverse("documents:download", args=[document.pk])).status_code == 200

    def test_files_are_not_reachable_by_url(self, client, document):
        assert client.get(f"/media/{document.file.name}").status_code == 404
        assert client.get(f"/static/{document.file.name}").status_code == 404


def test_files_of_rolled_back_uploads_are_purged_after_a_day(draft_notice, bureau, set_clock, settings, tmp_path):
    from django.db import transaction

    from hangqifu.core.jobs import registered_jobs

    settings.MEDIA_ROOT = str(tmp_path)  # files of other tests (their rows rolled back) must not count
    set_clock("2026-06-01T09:00:00+08:00")
    kept = document_store(owner=draft_notice, kind="other", uploaded_file=pdf_upload(), actor=bureau)
    # given the owner's service fails after the upload was stored: the row rolls back, the file stays
    with pytest.raises(RuntimeError), transaction.atomic():
        document_store(owner=draft_notice, kind="other", uploaded_file=pdf_upload("回滚.pdf"), actor=bureau)
        raise RuntimeError("owner service failed")
    orphans = [p for p in _stored_files() if not str(p).endswith(kept.file.name)]
    assert len(orphans) == 1 and Document.objects.count() == 1
    job = registered_jobs()["documents.purge_orphans"]
    # a young orphan may still belong to a transaction in flight: kept
    assert job() == {"removed": 0}
    # once it is a day old it goes; the committed document's file stays
    old = orphans[0].stat().st_mtime - 2 * 86400
    os.utime(orphans[0], (old, old))
    os.utime(kept.file.path, (old, old))
    assert job() == {"removed": 1}
    assert not orphans[0].exists() and os.path.exists(kept.file.path)


def test_list_include_links_to_the_checked_download(draft_notice, bureau):
    from django.template.loader import render_to_string

    from hangqifu.documents.serializers import DocumentUploadForm

    document = document_store(owner=draft_notice, kind="contract", uploaded_file=pdf_upload("服务合同.pdf"), actor=bureau)
    html = render_to_string("documents/list.html", {"documents": documents_for(draft_notice)})
    assert reverse("documents:download", args=[document.pk]) in html and "服务合同" in html and "服务合同.pdf" in html
    form = DocumentUploadForm(kinds=["contract", "invoice"])
    html = render_to_string("documents/upload_form.html", {"form": form, "action": "/x/"})
    assert 'enctype="multipart/form-data"' in html and "增值税发票" in html and 'accept=".pdf' in html
