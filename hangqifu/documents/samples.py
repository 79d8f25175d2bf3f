"""Well-formed sample PDFs for demo data and tests (uploads must pass document_store's checks)."""


def build_pdf(objects: list[bytes]) -> bytes:
    """A well-formed PDF (header, numbered objects, xref table, trailer) from object bodies; object 1 is
    the catalog."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def simple_pdf(text: str, *, catalog_extra: bytes = b"", more: list[bytes] | tuple = ()) -> bytes:
    """A one-page PDF showing `text` (ASCII; other characters become '?'). Tests add catalog entries and
    further objects (numbered from 5) to build hostile files."""
    content = b"BT /F1 12 Tf 72 720 Td (" + text.encode("ascii", "replace") + b") Tj ET"
    return build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        *more,
    ])
