"""RowWriter: many rows into one table as multi-row INSERTs, for the set-based steps that compute tens of thousands
of rows in Python (audit events chained one to the next, payment lines), where building a model instance per row
and bulk_create's per-field preparation cost more than the INSERT itself.

Rows are plain tuples in the order of the columns given. A value goes to the database as it is, except for the
columns whose field needs the backend's own form (date-times, decimals, JSON, IP addresses): those pass through
the field's `get_db_prep_save`, as bulk_create does, so one writer serves PostgreSQL and SQLite alike."""
from collections.abc import Iterable, Sequence

from django.db import connection, models

CHUNK = 2_000  # rows per INSERT
_MAX_PARAMS = 65_535  # PostgreSQL's limit on a statement's parameters (SQLite's is lower still: see chunk_size)
_AS_IS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)


class RowWriter:
    """Collects rows and writes them `chunk` at a time; `flush()` (or leaving the `with` block) writes the rest.
    Use it inside the caller's transaction: the writer itself opens none."""

    def __init__(self, model, columns: Sequence[str], *, chunk: int = CHUNK):
        fields = [model._meta.get_field(name) for name in columns]
        self.written = 0
        self._table = connection.ops.quote_name(model._meta.db_table)
        self._columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        self._prepare = [(i, field) for i, field in enumerate(fields) if not isinstance(field, _AS_IS)]
        self._width = len(fields)
        self._chunk = chunk_size(chunk, self._width)
        self._rows: list[Sequence] = []
        self._statements: dict[int, str] = {}

    def add(self, row: Sequence) -> None:
        if len(row) != self._width:
            raise ValueError(f"a row of {len(row)} values for {self._width} columns")
        self._rows.append(row)
        if len(self._rows) >= self._chunk:
            self.flush()

    def add_many(self, rows: Iterable[Sequence]) -> None:
        for row in rows:
            self.add(row)

    def flush(self) -> None:
        rows, self._rows = self._rows, []
        if not rows:
            return
        params = []
        for row in rows:
            if self._prepare:
                row = list(row)
                for i, field in self._prepare:
                    row[i] = field.get_db_prep_save(row[i], connection)
            params.extend(row)
        with connection.cursor() as cursor:
            cursor.execute(self._statement(len(rows)), params)
        self.written += len(rows)

    def _statement(self, count: int) -> str:
        if count not in self._statements:
            one = "(" + ", ".join(["%s"] * self._width) + ")"
            self._statements[count] = f"INSERT INTO {self._table} ({self._columns}) VALUES " + ", ".join([one] * count)
        return self._statements[count]

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
