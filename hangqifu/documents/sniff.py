"""Content checks for uploads: what a file really is (magic bytes), and whether a PDF carries active
content (JavaScript, launch actions, embedded files) that has no place in scanned paperwork."""
import re
import zlib

MAGIC = [
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
]

# PDF name tokens refused anywhere in the file (also inside compressed object streams).
FORBIDDEN_PDF_NAMES = {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia", b"XFA"}
_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
_INFLATE_LIMIT = 64 * 1024 * 1024


def sniff(head: bytes) -> str | None:
    """The content type announced by the first bytes, or None if it is not an accepted format."""
    for magic, mime in MAGIC:
        if head.startswith(magic):
            return mime
    return None


def _names(data: bytes) -> set[bytes]:
    # Names may hide letters as #xx escapes (/J#61vaScript); decode before comparing.
    return {_HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match) for match in _NAME.findall(data)}


def _inflated_streams(data: bytes):
    budget = _INFLATE_LIMIT
    for match in _STREAM.finditer(data):
        if budget <= 0:
            return
        try:
            inflater = zlib.decompressobj()
            chunk = inflater.decompress(match.group(1), budget)
        except zlib.error:
            continue
        budget -= len(chunk)
        yield chunk


def pdf_active_content(data: bytes) -> set[str]:
    """Forbidden names found in the PDF (raw and inside Flate-compressed streams)."""
    found = _names(data) & FORBIDDEN_PDF_NAMES
    for chunk in _inflated_streams(data):
        found |= _names(chunk) & FORBIDDEN_PDF_NAMES
    return {name.decode() for name in found}
