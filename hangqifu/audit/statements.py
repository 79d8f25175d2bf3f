"""The audit trail's statement whose SQL differs between PostgreSQL (the system of record) and SQLite
(`make run`), both variants side by side; the services call it and never ask which database they run on."""
from django.db import connection

from .chain import genesis
from .models import AuditEvent


def chain_heads(wanted) -> dict[int, tuple[int, str]]:
    """{wanted chain: (chain to append to, its current head hash)}, the chains locked for the rest of the
    transaction. PostgreSQL: one round trip to the audit_chain_heads function (migration 0008), which takes the
    chains' advisory locks in ascending order, so concurrent writers cannot deadlock on chains, and redirects a
    chain below one already held to the highest held. SQLite writes one transaction at a time, so there is
    nothing to lock or redirect: each wanted chain is its own, and its head is its last event."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT asked, got, head FROM audit_chain_heads(%s)", [sorted(set(wanted))])
            return {asked: (got, head or genesis(got)) for asked, got, head in cursor.fetchall()}
    heads = {}
    for chain in wanted:
        head = AuditEvent.objects.filter(chain=chain).order_by("-id").values_list("hash", flat=True).first()
        heads[chain] = (chain, head or genesis(chain))
    return heads
