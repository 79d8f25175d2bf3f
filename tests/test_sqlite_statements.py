"""The SQLite variants of the statements that differ between databases (vouchers/statements.py,
redemption/statements.py, hangqifu/audit/statements.py), run on an in-memory SQLite database whatever the suite
runs on: CI runs the suite on PostgreSQL, while `make run` runs these variants. The PostgreSQL variants are exercised by
the rest of the suite (claims, deductions, disbursement, the audit trail). Each function is called through its
public name, so the test also proves it picks the SQLite variant on an SQLite connection."""
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper

from hangqifu.audit.chain import event_digest, genesis
from hangqifu.audit.models import AuditEvent
from hangqifu.audit.statements import chain_heads
from redemption.models.claims import claim_number
from redemption.statements import claim_number_sql
from vouchers.models.funds import Fund, IssuanceBatch, VoucherType
from vouchers.statements import (
    charge_fund, fund_gate_exclusive, fund_gate_shared, holder_guards_now, key_share_fund_and_batch, take_slot,
)

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def sqlite(django_db_blocker):
    """An in-memory SQLite database as the default connection, with the tables these statements touch (foreign
    keys not enforced: the rows they point at are not needed here); the suite's own connection comes back after."""
    original = connections["default"]
    wrapper = DatabaseWrapper({**original.settings_dict, "ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:",
                               "OPTIONS": {}, "USER": "", "PASSWORD": "", "HOST": "", "PORT": ""}, alias="default")
    with django_db_blocker.unblock():
        connections["default"] = wrapper
        try:
            with wrapper.schema_editor() as editor:
                for model in (Fund, IssuanceBatch, VoucherType, AuditEvent):
                    editor.create_model(model)
                editor.execute("CREATE TABLE claims (id integer PRIMARY KEY, created_at datetime NOT NULL)")
            wrapper.disable_constraint_checking()
            assert wrapper.vendor == "sqlite"
            yield wrapper
        finally:
            wrapper.close()
            connections["default"] = original


def _fund(total="100.00", deducted="0.00", year=2026) -> Fund:
    return Fund.objects.create(year=year, total=Decimal(total), deducted=Decimal(deducted))


def test_the_year_gate_and_the_holder_guards_are_no_ops_and_the_gate_reads_the_fund(sqlite):
    fund = _fund()

    assert fund_gate_shared(2026).pk == fund.pk
    assert fund_gate_shared(2027) is None
    fund_gate_exclusive(2026)
    holder_guards_now()


def test_the_claim_reads_the_fund_and_the_batch_as_committed(sqlite):
    batch = IssuanceBatch.objects.create(year=2026, title="第一批", opens_at=NOW, closes_at=NOW.replace(hour=9),
                                         valid_until=date(2026, 12, 31))
    fund = _fund()

    fund_open, read = key_share_fund_and_batch(2026, batch.pk)
    assert fund_open is True
    assert (read.pk, read.state, read.opens_at, read.closes_at) == (batch.pk, batch.state, NOW, NOW.replace(hour=9))

    Fund.objects.filter(pk=fund.pk).update(exhausted_at=NOW)
    assert key_share_fund_and_batch(2026, batch.pk)[0] is False
    assert key_share_fund_and_batch(2026, batch.pk + 1)[1] is None


def test_a_slot_is_taken_while_one_is_left_and_refused_after(sqlite):
    batch = IssuanceBatch.objects.create(year=2026, title="第一批", opens_at=NOW, closes_at=NOW.replace(hour=9),
                                         valid_until=date(2026, 12, 31))
    voucher_type = VoucherType.objects.create(batch=batch, category="digital", face_value=Decimal("1000.00"),
                                              count=2, remaining=2)

    assert [take_slot(voucher_type.pk), take_slot(voucher_type.pk), take_slot(voucher_type.pk)] == [1, 0, None]
    assert VoucherType.objects.get(pk=voucher_type.pk).remaining == 0


def test_the_charge_refuses_beyond_the_total_and_the_last_cent_exhausts_the_fund(sqlite):
    fund = _fund(total="0.30")

    assert charge_fund(fund_id=fund.pk, amount=Decimal("0.10"), now=NOW) == Decimal("0.20")
    assert charge_fund(fund_id=fund.pk, amount=Decimal("0.21"), now=NOW) is None
    assert Fund.objects.get(pk=fund.pk).exhausted_at is None
    # 0.1 + 0.2 is not 0.3 in floating point: the last cent must still end the year
    assert charge_fund(fund_id=fund.pk, amount=Decimal("0.20"), now=NOW) == Decimal("0.00")
    spent = Fund.objects.get(pk=fund.pk)
    assert (spent.deducted, spent.exhausted_at, spent.exhaustion_cause) == (
        Decimal("0.30"), NOW, Fund.ExhaustionCause.REMAINDER_ZERO)
    assert charge_fund(fund_id=fund.pk, amount=Decimal("0.01"), now=NOW) is None


def test_each_chain_head_is_the_last_event_of_its_chain_or_its_genesis(sqlite):
    fields = dict(occurred_at=NOW, business_time=NOW, actor_id=None, organisation_id=None, action="fund.exhausted",
                  object_type="", object_id="", from_state="", to_state="", payload={}, ip=None)
    first = event_digest(prev_hash=genesis(3), chain=3, **fields)
    second = event_digest(prev_hash=first, chain=3, **fields)
    for prev, digest in ((genesis(3), first), (first, second)):
        AuditEvent.objects.create(chain=3, prev_hash=prev, hash=digest, **fields)

    assert chain_heads([3, 5]) == {3: (3, second), 5: (5, genesis(5))}


@pytest.mark.parametrize("pk, created_at", [
    (7, datetime(2026, 3, 2, 1, 0, tzinfo=UTC)),
    (123456, datetime(2026, 12, 31, 17, 30, tzinfo=UTC)),  # already 2027 in Beijing: the number keeps the UTC year
    (1234567, datetime(2027, 1, 5, 2, 0, tzinfo=UTC)),
])
def test_the_claim_number_in_sql_is_the_claim_number(sqlite, pk, created_at):
    with sqlite.cursor() as cursor:
        cursor.execute("INSERT INTO claims (id, created_at) VALUES (%s, %s)",
                       [pk, sqlite.ops.adapt_datetimefield_value(created_at)])
        cursor.execute(f"SELECT {claim_number_sql('c')} FROM claims c WHERE c.id = %s", [pk])
        assert cursor.fetchone()[0] == claim_number(pk, created_at)


def test_rows_are_written_as_one_multi_row_insert_and_read_back_as_given(sqlite):
    from hangqifu.core.statements import write_rows

    columns = ("occurred_at", "business_time", "actor_id", "actor_username", "organisation_id", "action",
               "object_type", "object_id", "from_state", "to_state", "payload", "ip", "chain", "prev_hash", "hash")
    fields = [AuditEvent._meta.get_field(name) for name in columns]
    rows = [(NOW, NOW, None, "tab\tline\n", 7, "rows.a", "", "1", "", "", {"amount": "2.50", "list": [1, None]},
             "10.0.0.1", 3, "p" * 64, "h" * 64),
            (NOW, NOW, 5, "", None, "rows.b", "x", "2", "a", "b", [], None, 0, "q" * 64, "i" * 64)]

    write_rows(AuditEvent, fields, rows)

    assert list(AuditEvent.objects.order_by("id").values_list(*columns)) == rows
