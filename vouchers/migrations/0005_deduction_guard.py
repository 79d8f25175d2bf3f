"""PostgreSQL guard: a deduction row never exists without its counter movements (I1, I2; issue 10 check 3).

A deduction is inserted (or its amount / fund / voucher / qualification changed, or it is deleted) only together
with the matching counter movements in the same transaction; otherwise the transaction fails at COMMIT (or at
`SET CONSTRAINTS ALL IMMEDIATE`) with an integrity error:

- qualification (per holder, small and indexed): `used` = Σ amount of the qualification's deductions;
- voucher (per voucher, indexed): live or used up → `balance` + Σ amount of its deductions = `face_value`;
  voided or expired → Σ ≤ `face_value`;
- fund (the year's hot row, possibly N shard rows one day): no SUM over the year. An immediate row trigger on
  the deduction table and one on the fund counter add each movement to a transaction-local accumulator
  (`set_config('hqguard.fund_<id>', …, true)`, no write, no lock, gone at transaction end, restored on a
  rolled-back savepoint): fund counter movements − deduction amounts. The deferred check asks that it is 0 for
  the deduction's fund: O(1) per deduction, whatever the year's size. With a Σ-over-the-year check the
  accumulator proves the same thing inductively: every committed transaction moved the fund counter by exactly
  the deductions it wrote, so the counter stays Σ deductions (verify_ledger / the invariant checks still do
  the full SUM afterwards).

If the fund counter is ever split over shard rows, attach the same counter trigger to the shard table with
the name of its fund column: `… AFTER INSERT OR UPDATE OF deducted OR DELETE ON <shard table> FOR EACH ROW
EXECUTE FUNCTION vouchers_fund_counter_moved('fund_id')` — the accumulator is per fund, so Σ over the shards
moved is what is compared.

Bulk loads that run with `session_replication_role = replica` (bench seeds) skip these triggers, like the FK
triggers."""
from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION vouchers_guard_fund_add(p_fund bigint, p_delta numeric) RETURNS void AS $$
DECLARE
    key text := 'hqguard.fund_' || p_fund;
BEGIN
    PERFORM set_config(key, (COALESCE(NULLIF(current_setting(key, true), ''), '0')::numeric + p_delta)::text, true);
END;
$$ LANGUAGE plpgsql;

-- the fund counter moved (TG_ARGV[0]: the column holding the fund's id — 'id' on vouchers_fund)
CREATE OR REPLACE FUNCTION vouchers_fund_counter_moved() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM vouchers_guard_fund_add((to_jsonb(OLD) ->> TG_ARGV[0])::bigint, -OLD.deducted);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM vouchers_guard_fund_add((to_jsonb(NEW) ->> TG_ARGV[0])::bigint, NEW.deducted);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- a deduction row moved money
CREATE OR REPLACE FUNCTION vouchers_deduction_moved() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM vouchers_guard_fund_add(OLD.fund_id, OLD.amount);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM vouchers_guard_fund_add(NEW.fund_id, -NEW.amount);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION vouchers_deduction_check(p_fund bigint, p_qualification bigint, p_voucher bigint)
RETURNS void AS $$
DECLARE
    pending numeric := COALESCE(NULLIF(current_setting('hqguard.fund_' || p_fund, true), ''), '0')::numeric;
    counter numeric;
    face numeric;
    vstate text;
    total numeric;
BEGIN
    IF pending <> 0 THEN
        RAISE EXCEPTION 'deduction guard: fund % counter moved % more than its deductions in this transaction',
            p_fund, pending USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT q.used, (SELECT COALESCE(SUM(d.amount), 0) FROM vouchers_deduction d WHERE d.qualification_id = q.id)
      INTO counter, total FROM vouchers_qualification q WHERE q.id = p_qualification;
    IF FOUND AND counter <> total THEN
        RAISE EXCEPTION 'deduction guard: qualification % used % <> its deductions %', p_qualification, counter, total
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT v.balance, v.face_value, v.state,
           (SELECT COALESCE(SUM(d.amount), 0) FROM vouchers_deduction d WHERE d.voucher_id = v.id)
      INTO counter, face, vstate, total FROM vouchers_voucher v WHERE v.id = p_voucher;
    IF FOUND AND (total > face OR (vstate IN ('live', 'used_up') AND counter + total <> face)) THEN
        RAISE EXCEPTION 'deduction guard: voucher % (%) balance % + its deductions % <> face value %',
            p_voucher, vstate, counter, total, face USING ERRCODE = 'integrity_constraint_violation';
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION vouchers_deduction_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM vouchers_deduction_check(NEW.fund_id, NEW.qualification_id, NEW.voucher_id);
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (OLD.fund_id, OLD.qualification_id, OLD.voucher_id)
                            IS DISTINCT FROM (NEW.fund_id, NEW.qualification_id, NEW.voucher_id)) THEN
        PERFORM vouchers_deduction_check(OLD.fund_id, OLD.qualification_id, OLD.voucher_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER vouchers_fund_counter_moved AFTER INSERT OR UPDATE OF deducted OR DELETE ON vouchers_fund
    FOR EACH ROW EXECUTE FUNCTION vouchers_fund_counter_moved('id');
CREATE TRIGGER vouchers_deduction_moved
    AFTER INSERT OR UPDATE OF amount, fund_id, qualification_id, voucher_id OR DELETE ON vouchers_deduction
    FOR EACH ROW EXECUTE FUNCTION vouchers_deduction_moved();
CREATE CONSTRAINT TRIGGER vouchers_deduction_guard
    AFTER INSERT OR UPDATE OF amount, fund_id, qualification_id, voucher_id OR DELETE ON vouchers_deduction
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION vouchers_deduction_guard();
"""
DROP = """
DROP TRIGGER IF EXISTS vouchers_deduction_guard ON vouchers_deduction;
DROP TRIGGER IF EXISTS vouchers_deduction_moved ON vouchers_deduction;
DROP TRIGGER IF EXISTS vouchers_fund_counter_moved ON vouchers_fund;
DROP FUNCTION IF EXISTS vouchers_deduction_guard();
DROP FUNCTION IF EXISTS vouchers_deduction_check(bigint, bigint, bigint);
DROP FUNCTION IF EXISTS vouchers_deduction_moved();
DROP FUNCTION IF EXISTS vouchers_fund_counter_moved();
DROP FUNCTION IF EXISTS vouchers_guard_fund_add(bigint, numeric);
"""


def on_postgresql(sql: str):
    """The triggers exist on PostgreSQL only (SQLite serialises writers and has no deferred triggers)."""
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)
    return run


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0004_ledger_reversal_kind")]
    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
