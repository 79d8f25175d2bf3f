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


def _is_object_stream(data: bytes, stream_start: int) -> bool:
    header = data[max(0, stream_start - 2048):stream_start]
    header = header[header.rfind(b"obj"):]
    return b"ObjStm" in _names(header)


def _inflated_streams(data: bytes):
    """Decompressed object streams (PDF 1.5+ keeps dictionaries there). Page contents and images are not
    inflated: they hold no actions, and random image bytes could look like a name."""
    budget = _INFLATE_LIMIT
    for match in _STREAM.finditer(data):
        if budget <= 0:
            return
        if not _is_object_stream(data, match.start()):
            continue
        try:
            inflater = zlib.decompressobj()
            chunk = inflater.decompress(match.group(1), budget)
        except zlib.error:
            continue
        budget -= len(chunk)
        yield chunk


def pdf_active_content(data: bytes, *, whole_file: bool = False) -> set[str]:
    """Forbidden names found in the PDF's objects (outside stream bodies, or everywhere with `whole_file`)
    and in Flate-compressed object streams."""
    scanned = data if whole_file else _STREAM.sub(b"stream\nendstream", data)
    found = _names(scanned) & FORBIDDEN_PDF_NAMES
    for chunk in _inflated_streams(data):
        found |= _names(chunk) & FORBIDDEN_PDF_NAMES
    return {name.decode() for name in found}


_FORBIDDEN_KEYS = {"/" + name.decode() for name in FORBIDDEN_PDF_NAMES}
_FORBIDDEN_VALUES = {"/JavaScript", "/Launch", "/EmbeddedFile", "/RichMedia"}
_WALK_LIMIT = 200_000


class UnreadablePdf(Exception):
    pass


def pdf_object_graph_findings(data: bytes) -> set[str]:
    """Walk every object reachable from the trailer (as a viewer would) with pypdf, whatever filters or
    object streams hide them, and report forbidden keys (/JS, /Launch …) or action types."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        root = reader.trailer
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadablePdf(str(exc)) from exc
    found, seen, stack, steps = set(), set(), [root], 0
    while stack:
        steps += 1
        if steps > _WALK_LIMIT:
            raise UnreadablePdf("too many objects")
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            try:
                node = node.get_object()
            except Exception as exc:  # noqa: BLE001 - a broken reference in a hostile file
                raise UnreadablePdf(str(exc)) from exc
        if isinstance(node, DictionaryObject):
            for key, value in node.items():
                if key in _FORBIDDEN_KEYS:
                    found.add(key[1:])
                if isinstance(value, NameObject) and value in _FORBIDDEN_VALUES and key in ("/S", "/Type"):
                    found.add(value[1:])
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return found
