"""The core's statement whose SQL differs between PostgreSQL (the system of record) and SQLite (`make run`), both
variants side by side; RowWriter calls it and never asks which database it runs on."""
import json
from collections.abc import Sequence
from datetime import date, datetime
from io import StringIO

from django.db import connection, models

# PostgreSQL's COPY text format: a tab between values, a newline after each row, \N for NULL, and these escaped
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def write_rows(model, fields: Sequence, rows: list[Sequence]) -> None:
    """Insert `rows` (tuples of Python values in the order of `fields`) into the model's table. PostgreSQL: one
    COPY … FROM STDIN, which the server loads without parsing a statement as long as the data (a multi-row INSERT
    of the same rows costs about twice as much there). SQLite: one multi-row INSERT, each value prepared by its
    field as bulk_create prepares it."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    if connection.vendor == "postgresql":
        text = _copy_text(fields, rows)
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", text)
        return
    params = []
    for row in rows:
        params.extend(field.get_db_prep_save(value, connection) for field, value in zip(fields, row, strict=True))
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([one] * len(rows)), params)


def _copy_text(fields: Sequence, rows: list[Sequence]) -> StringIO:
    formats = [_copy_format(field) for field in fields]
    lines, last = [], [(None, None)] * len(fields)  # a column repeats its value (a shared clock reading) row after row
    for row in rows:
        out = []
        for i, value in enumerate(row):
            if value is None:
                out.append("\\N")
                continue
            seen, text = last[i]
            if value is not seen:
                text = formats[i](value)
                last[i] = (value, text)
            out.append(text)
        lines.append("\t".join(out))
    lines.append("")
    return StringIO("\n".join(lines))


def _copy_format(field):
    """Value → COPY text for one column, as the column's type reads it."""
    if isinstance(field, models.GenericIPAddressField):
        # as Django prepares it for an INSERT: an IPv6 address compressed, an empty one NULL
        return lambda value: _text_or_null(field.get_prep_value(value))
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: json.dumps(value, cls=encoder, ensure_ascii=False).translate(_COPY_ESCAPES)
    if isinstance(field, models.BooleanField):
        return lambda value: "t" if value else "f"
    if isinstance(field, (models.DateTimeField, models.DateField)):
        return lambda value: value.isoformat() if isinstance(value, (datetime, date)) else str(value)
    return lambda value: str(value).translate(_COPY_ESCAPES)


def _text_or_null(value: str | None) -> str:
    return value.translate(_COPY_ESCAPES) if value else "\\N"
