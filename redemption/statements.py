"""The redemption statements whose SQL differs between PostgreSQL (the system of record) and SQLite (`make run`),
one function each with both variants side by side; services call them and never ask which database they run on."""
from django.db import connection


def claim_number_sql(alias: str) -> str:
    """`claim_number` (models/claims.py: DF, the UTC year of creation, the id zero-padded to six digits) as an SQL
    expression over the claims table aliased `alias`, for INSERT … SELECT. The two dialects spell the year and the
    padding differently: PostgreSQL has EXTRACT … AT TIME ZONE and lpad; SQLite stores the UTC timestamp as text
    (strftime reads its year) and has no lpad (a substring of zeros and the id)."""
    if connection.vendor == "postgresql":
        year = f"EXTRACT(YEAR FROM {alias}.created_at AT TIME ZONE 'UTC')::int::text"
        padded = f"lpad({alias}.id::text, 6, '0')"
    else:
        year = f"strftime('%Y', {alias}.created_at)"
        padded = f"substr('000000' || {alias}.id, -6, 6)"
    return f"'DF' || {year} || CASE WHEN {alias}.id < 1000000 THEN {padded} ELSE CAST({alias}.id AS TEXT) END"
