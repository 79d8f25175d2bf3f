"""RowWriter: many rows into one table, a chunk of rows per statement, for the set-based steps that compute tens of
thousands of rows in Python (audit events chained one to the next), where building a model instance per row and
bulk_create's per-field preparation cost more than the write itself. Rows are plain tuples in the order of the
columns given; how a chunk is written (COPY on PostgreSQL, a multi-row INSERT on SQLite) is statements.write_rows."""
from collections.abc import Iterable, Sequence

from django.db import connection

from .statements import write_rows

CHUNK = 2_000  # rows per statement
_MAX_PARAMS = 65_535  # PostgreSQL's limit on a statement's parameters (SQLite's is lower still: see chunk_size)


class RowWriter:
    """Collects rows and writes them `chunk` at a time; `flush()` (or leaving the `with` block without an error)
    writes the rest. Use it inside the caller's transaction: the writer itself opens none."""

    def __init__(self, model, columns: Sequence[str], *, chunk: int = CHUNK):
        self.written = 0
        self._model = model
        self._fields = [model._meta.get_field(name) for name in columns]
        self._chunk = chunk_size(chunk, len(self._fields))
        self._rows: list[Sequence] = []

    def add(self, row: Sequence) -> None:
        if len(row) != len(self._fields):
            raise ValueError(f"a row of {len(row)} values for {len(self._fields)} columns")
        self._rows.append(row)
        if len(self._rows) >= self._chunk:
            self.flush()

    def add_many(self, rows: Iterable[Sequence]) -> None:
        for row in rows:
            self.add(row)

    def flush(self) -> None:
        rows, self._rows = self._rows, []
        if rows:
            write_rows(self._model, self._fields, rows)
            self.written += len(rows)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.flush()
        return False


def chunk_size(chunk: int, width: int, *, spare: int = 0) -> int:
    """Rows of `width` values per statement within the backend's limit on parameters (SQLite: max_query_params),
    `spare` parameters kept for the rest of the statement."""
    limit = getattr(connection.features, "max_query_params", None) or _MAX_PARAMS
    return max(1, min(chunk, (limit - spare) // width))
