"""Minimal valid files for upload tests."""
import io
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

from hangqifu.documents.samples import simple_pdf


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length " + str(len(data)).encode() + b" >>\nstream\n" + data + b"\nendstream"


def pdf_bytes(text: str = "hello", extra: bytes = b"", more: list[bytes] | None = None) -> bytes:
    return simple_pdf(text, catalog_extra=extra, more=more or [])


def compressed_object_stream(payload: bytes, stream_type: bytes = b"/Type /ObjStm") -> bytes:
    """An extra object (number 5) holding `payload` Flate-compressed."""
    return _stream(stream_type + b" /N 1 /First 4 /Filter /FlateDecode", zlib.compress(payload))


PNG_BYTES = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
             b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND"
             b"\xaeB`\x82")
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def pdf_upload(name: str = "营业执照.pdf", **kwargs) -> SimpleUploadedFile:
    return upload(name, pdf_bytes(**kwargs))


def in_memory(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
