"""RowWriter: rows written a chunk at a time read back exactly as given, whatever their text holds, and nothing is
written past an error."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from hangqifu.audit.models import AuditEvent
from hangqifu.core import statements
from hangqifu.core.rows import RowWriter, chunk_size
from hangqifu.notifications.models import Notification

pytestmark = pytest.mark.django_db

COLUMNS = ("occurred_at", "business_time", "actor_id", "actor_username", "organisation_id", "action", "object_type",
           "object_id", "from_state", "to_state", "payload", "ip", "chain", "prev_hash", "hash")
WHEN = datetime(2026, 5, 4, 1, 2, 3, 456789, tzinfo=UTC)
AWKWARD = ["tab\there", "line\nbreak\r\n", "back\\slash \\N \\t", "\\N", "", "引号\"'，逗号,", "𝄞 emoji 😀"]


def _row(i: int, text: str, payload) -> tuple:
    return (WHEN, WHEN, None, text, None, f"rows.{i}", "", str(i), "", text, payload, "10.0.0.1" if i % 2 else None,
            i % 3, f"p{i:063d}", f"h{i:063d}")


def _read_back(first_id: int) -> list[tuple]:
    return list(AuditEvent.objects.filter(id__gt=first_id).order_by("id").values_list(*COLUMNS))


def test_rows_read_back_as_given_in_order_a_chunk_per_statement(monkeypatch):
    from hangqifu.core import rows as module

    written = []
    monkeypatch.setattr(module, "write_rows", lambda model, fields, rows: (
        written.append(len(rows)), statements.write_rows(model, fields, rows)))
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    payloads = [{"text": text, "nested": {"list": [1, "二", None, True]}, "amount": "2.50"} for text in AWKWARD]
    rows = [_row(i, text, payload) for i, (text, payload) in enumerate(zip(AWKWARD, payloads, strict=True))]
    rows.append(_row(len(rows), "plain", ["a JSON list", 1.5, False]))
    # when 8 rows go through a writer of 3 rows a chunk
    with RowWriter(AuditEvent, COLUMNS, chunk=3) as writer:
        for row in rows:
            writer.add(row)
        assert writer.written == 6  # two full chunks are out before the block ends
    # then the rest is written on leaving the block, every value as it was given, in the order given
    assert writer.written == 8
    assert _read_back(before) == rows
    assert written == [3, 3, 2]


def test_a_row_of_the_wrong_width_is_refused_and_an_error_writes_nothing_more(make_user):
    user = make_user()
    before = Notification.objects.count()
    writer = RowWriter(Notification, ("user", "subject", "body", "url", "created_at"), chunk=10)
    with pytest.raises(ValueError):
        writer.add((user.pk, "缺列"))
    with pytest.raises(RuntimeError), writer:
        writer.add((user.pk, "一", "", "", WHEN))
        raise RuntimeError("the caller failed midway")
    assert Notification.objects.count() == before
    with RowWriter(Notification, ("user", "subject", "body", "url", "created_at", "read_at")) as writer:
        writer.add_many([(user.pk, "二", "正文", "/x/", WHEN, None), (user.pk, "三", "", "", WHEN, WHEN)])
    assert list(Notification.objects.filter(user=user).order_by("id").values_list("subject", "read_at")) == [
        ("二", None), ("三", WHEN)]


def test_decimals_and_booleans_read_back_as_given(make_user):
    from hangqifu.accounts.tests.factories import OrganisationFactory
    from hangqifu.notices.models import PublicNotice
    from redemption.models import ProviderYearCap

    provider, staff = OrganisationFactory(), make_user()
    with RowWriter(ProviderYearCap, ("provider", "year", "cap", "approved")) as writer:
        writer.add((provider.pk, 2026, Decimal("500000.00"), Decimal("1234.50")))
    with RowWriter(PublicNotice, ("kind", "title", "body", "state", "working_days", "window_provisional",
                                  "created_by", "created_at")) as writer:
        writer.add(("general", "一", "", "draft", 5, True, staff.pk, WHEN))
        writer.add(("general", "二", "", "draft", 5, False, staff.pk, WHEN))
    assert ProviderYearCap.objects.filter(provider=provider).values_list("cap", "approved").get() == (
        Decimal("500000.00"), Decimal("1234.50"))
    assert list(PublicNotice.objects.filter(created_by=staff).order_by("id").values_list(
        "title", "window_provisional")) == [("一", True), ("二", False)]


def test_addresses_are_written_as_an_insert_writes_them():
    # given the addresses a request can leave: none, an empty one, an IPv4 and a long-hand IPv6 address
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    addresses = [None, "", "10.0.0.1", "2001:0DB8:0000::0001"]
    # when they go through the writer (COPY on PostgreSQL)
    with RowWriter(AuditEvent, COLUMNS) as writer:
        writer.add_many((*_row(i, "", {})[:11], ip, *_row(i, "", {})[12:]) for i, ip in enumerate(addresses))
    # then each reads back as a model's own INSERT of it would: an empty address is NULL, IPv6 compressed
    assert list(AuditEvent.objects.filter(id__gt=before).order_by("id").values_list("ip", flat=True)) == [
        None, None, "10.0.0.1", "2001:db8::1"]


def test_a_chunk_stays_within_the_backends_parameter_limit(monkeypatch):
    monkeypatch.setattr(connection.features, "max_query_params", None)  # PostgreSQL: 65,535 parameters
    assert chunk_size(2000, 15) == 2000 and chunk_size(5000, 15) == 4369
    monkeypatch.setattr(connection.features, "max_query_params", 999)
    assert chunk_size(2000, 15) == 66 and chunk_size(2000, 4, spare=3) == 249 and chunk_size(5, 2000) == 1
