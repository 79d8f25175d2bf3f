"""Check 8: a corpus of hostile files sent through a real upload endpoint (the buyer's stamped commitment
letter, `POST /api/v1/orders/{id}/documents/`): each is refused with 400 `invalid_document` and leaves nothing
behind, or — when the bytes really are a clean PDF/JPEG/PNG (polyglots) — is stored under a server-generated
name and only ever served as a download (`attachment`, `nosniff`, a sandboxing CSP) to the order's parties.
Downloads are unreachable for everyone else, for anonymous visitors and through the media URL."""
import io
import zipfile
import zlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from hangqifu.documents.models import Document
from reliability.figures import record

pytestmark = pytest.mark.django_db

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"  # noqa: E501
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


def _pdf_with(body: bytes) -> bytes:
    return b"%PDF-1.7\n" + body + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _objstm_pdf(inner: bytes) -> bytes:
    stream = zlib.compress(inner)
    return _pdf_with(b"1 0 obj << /Type /Catalog >> endobj\n2 0 obj << /Type /ObjStm /N 1 /First 4 /Filter "
                     b"/FlateDecode /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream
                     + b"\nendstream\nendobj")


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.txt", b"0" * (20 * 1024 * 1024))
    return buffer.getvalue()


def _pdf_bomb() -> bytes:
    """An object stream that inflates to 80 MB (the scanner's inflate budget is 64 MB)."""
    inflater_input = zlib.compressobj(9)
    stream = b"".join(inflater_input.compress(b"\0" * (1024 * 1024)) for _ in range(80)) + inflater_input.flush()
    return _pdf_with(b"1 0 obj << /Type /Catalog >> endobj\n2 0 obj << /Type /ObjStm /N 1 /First 4 /Filter "
                     b"/FlateDecode >>\nstream\n" + stream + b"\nendstream\nendobj")


HOSTILE = [  # (label, file name, bytes)
    ("html renamed to pdf", "承诺书.pdf", b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"),
    ("svg renamed to pdf", "承诺书.pdf", b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg' "
                                         b"onload='alert(1)'/>"),
    ("svg renamed to png", "scan.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
    ("html with a pdf header later", "x.pdf", b"<html><body>\n%PDF-1.4\n</body></html>"),
    ("pdf with OpenAction JavaScript", "a.pdf", _pdf_with(
        b"1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj")),
    ("pdf with hex-escaped JavaScript name", "a.pdf", _pdf_with(
        b"1 0 obj << /Type /Catalog /OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> >> endobj")),
    ("pdf with JavaScript hidden in a compressed object stream", "a.pdf", _objstm_pdf(
        b"3 0 << /S /JavaScript /JS (this.exportDataObject()) >>")),
    ("pdf with a Launch action", "a.pdf", _pdf_with(
        b"1 0 obj << /Type /Catalog /OpenAction << /S /Launch /F (cmd.exe) >> >> endobj")),
    ("pdf with an embedded file", "a.pdf", _pdf_with(
        b"1 0 obj << /Type /Catalog /Names << /EmbeddedFiles << /Names [(x.exe) 2 0 R] >> >> >> endobj")),
    ("pdf with an XFA form", "a.pdf", _pdf_with(b"1 0 obj << /Type /Catalog /AcroForm << /XFA 2 0 R >> >> endobj")),
    ("zip bomb", "bomb.pdf", _zip_bomb()),
    ("zip bomb named zip", "bomb.zip", _zip_bomb()),
    ("zero bytes", "empty.pdf", b""),
    ("exe", "setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),
    ("gif", "x.pdf", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
    ("right-to-left override hiding .exe", "承诺书\u202efdp.exe", MINIMAL_PDF),
    ("double extension", "承诺书.pdf.html", MINIMAL_PDF),
    ("pdf named as png", "承诺书.png", MINIMAL_PDF),
]
NEUTRALISED = [  # valid by content: stored, but only ever downloaded as an attachment
    ("pdf/html polyglot", "polyglot.pdf", MINIMAL_PDF + b"<html><script>alert(1)</script></html>"),
    ("jpeg/zip polyglot", "photo.jpg", JPEG + _zip_bomb()[:4096]),
    ("png with a script trailer", "scan.png", PNG + b"<script>alert(1)</script>"),
    # the multipart parser keeps only the last path component; the service refuses any that is left
    ("path traversal", "../../../etc/passwd.pdf", MINIMAL_PDF),
    ("windows path traversal", "..\\..\\boot.pdf", MINIMAL_PDF),
    ("absolute path", "/var/www/index.pdf", MINIMAL_PDF),
    ("unicode name", "营业执照（副本）ÉÑ✓.pdf", MINIMAL_PDF),
    ("name without extension", "盖章承诺书", MINIMAL_PDF),
    ("very long name", "长" * 400 + ".pdf", MINIMAL_PDF),
]


@pytest.fixture
def order_parties(set_clock):
    from hangqifu.policy.models import PolicyYear
    from vouchers.tests import money_factories as mf

    set_clock("2026-06-01T09:00:00+08:00")
    PolicyYear.objects.get_or_create(year=2026)
    buyer, provider = mf.qualified_buyer(), mf.provider_user()
    return mf.order_in_state(buyer, provider, "signed", amount="1000.00"), buyer, provider


def _upload(api_as, buyer, order, name, data):
    return api_as(buyer).post(f"/api/v1/orders/{order.pk}/documents/",
                              {"kind": "stamped_commitment_letter", "file": SimpleUploadedFile(name, data)},
                              format="multipart")


def test_hostile_files_are_refused_and_leave_nothing_behind(order_parties, api_as):
    order, buyer, _ = order_parties
    documents_before = Document.objects.count()
    outcomes = {}
    for label, name, data in HOSTILE:
        response = _upload(api_as, buyer, order, name, data)
        outcomes[label] = (response.status_code, response.json().get("code"))
    refused = [label for label, outcome in outcomes.items() if outcome == (400, "invalid_document")]
    record("upload_corpus", tried=len(HOSTILE), held=len(refused),
           detail=f"hostile files refused: {len(refused)}/{len(HOSTILE)}")
    assert outcomes == {label: (400, "invalid_document") for label, _, _ in HOSTILE}
    assert Document.objects.count() == documents_before


def test_oversize_upload_is_refused(order_parties, api_as, settings):
    order, buyer, _ = order_parties
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    response = _upload(api_as, buyer, order, "big.pdf", MINIMAL_PDF + b"%" * (64 * 1024))
    assert (response.status_code, response.json()["code"]) == (400, "invalid_document")
    record("upload_corpus", tried=1, held=int(response.status_code == 400), detail="oversize refused")


def test_a_pdf_bomb_is_scanned_within_budget(order_parties, api_as):
    import time

    order, buyer, _ = order_parties
    started = time.monotonic()
    response = _upload(api_as, buyer, order, "bomb.pdf", _pdf_bomb())
    elapsed = time.monotonic() - started
    # refused (unreadable) or accepted clean — but never a 5xx, never unbounded memory/time
    assert response.status_code in (201, 400)
    assert elapsed < 30
    record("upload_corpus", tried=1, held=int(response.status_code in (201, 400) and elapsed < 30),
           detail=f"pdf bomb (80 MB inflated): {response.status_code} in {elapsed:.1f}s")


def test_polyglots_and_odd_names_are_only_ever_downloaded_as_attachments(order_parties, api_as, client,
                                                                          make_user):
    from hangqifu.accounts.roles import Role

    order, buyer, provider = order_parties
    held = 0
    for label, name, data in NEUTRALISED:
        response = _upload(api_as, buyer, order, name, data)
        assert response.status_code == 201, (label, response.json())
        document = Document.objects.get(pk=response.json()["id"])
        # stored under a server-generated name inside the media root, never the uploader's
        assert ".." not in document.file.name and not document.file.name.startswith("/")
        stem = name.replace("\\", "/").rsplit("/", 1)[-1].split(".")[0][:10]
        assert not stem or stem not in document.file.name
        assert len(document.original_name) <= 100
        assert not any(part in document.original_name for part in ("/", "\\", ".."))
        download = api_as(provider).get(f"/api/v1/documents/{document.pk}/download/")
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment")
        assert download["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in download["Content-Security-Policy"]
        assert download["Content-Type"] in ("application/pdf", "image/jpeg", "image/png")
        # nobody else reaches it: another buyer, another provider, anonymous, the media URL
        for role in (Role.ENTERPRISE, Role.PROVIDER, Role.DISTRICT, Role.EXPERT):
            assert api_as(make_user(role=role)).get(f"/api/v1/documents/{document.pk}/download/").status_code == 404
        assert client.get(f"/documents/{document.pk}/download/").status_code == 302
        assert client.get(f"{settings.MEDIA_URL}{document.file.name}").status_code == 404
        held += 1
    record("upload_corpus", tried=len(NEUTRALISED), held=held, detail=f"polyglots neutralised: {held}")
