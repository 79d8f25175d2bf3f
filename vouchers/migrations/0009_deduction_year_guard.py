"""PostgreSQL guard (DOMAIN I6, "nothing crosses a year boundary"): a deduction's voucher, order and fund are
all of the deduction's year, and a deducted voucher or order keeps its year. A row that mixes years fails at once
with an integrity error, whatever Python does (the deduction service refuses it first with `year_mismatch`).
Primary-key lookups only (the order's deduction is UNIQUE, a voucher's deductions are indexed)."""
from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION vouchers_deduction_same_year() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM vouchers_voucher v, vouchers_order o, vouchers_fund f
                   WHERE v.id = NEW.voucher_id AND o.id = NEW.order_id AND f.id = NEW.fund_id
                     AND v.year = NEW.year AND o.year = NEW.year AND f.year = NEW.year) THEN
        RAISE EXCEPTION 'deduction guard: voucher %, order % and fund % are not all of the year %',
            NEW.voucher_id, NEW.order_id, NEW.fund_id, NEW.year USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER vouchers_deduction_same_year
    BEFORE INSERT OR UPDATE OF year, voucher_id, order_id, fund_id ON vouchers_deduction
    FOR EACH ROW EXECUTE FUNCTION vouchers_deduction_same_year();

-- and a deducted voucher or order never changes year afterwards (TG_ARGV[0]: the deduction's column naming it)
CREATE OR REPLACE FUNCTION vouchers_deducted_keeps_year() RETURNS trigger AS $$
BEGIN
    IF NEW.year IS DISTINCT FROM OLD.year AND EXISTS (
            SELECT 1 FROM vouchers_deduction d WHERE (CASE TG_ARGV[0] WHEN 'order_id' THEN d.order_id
                                                      ELSE d.voucher_id END) = OLD.id) THEN
        RAISE EXCEPTION 'deduction guard: % % has deductions of the year %', TG_TABLE_NAME, OLD.id, OLD.year
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER vouchers_order_keeps_year BEFORE UPDATE OF year ON vouchers_order
    FOR EACH ROW EXECUTE FUNCTION vouchers_deducted_keeps_year('order_id');
CREATE TRIGGER vouchers_voucher_keeps_year BEFORE UPDATE OF year ON vouchers_voucher
    FOR EACH ROW EXECUTE FUNCTION vouchers_deducted_keeps_year('voucher_id');
"""
DROP = """
DROP TRIGGER IF EXISTS vouchers_voucher_keeps_year ON vouchers_voucher;
DROP TRIGGER IF EXISTS vouchers_order_keeps_year ON vouchers_order;
DROP FUNCTION IF EXISTS vouchers_deducted_keeps_year();
DROP TRIGGER IF EXISTS vouchers_deduction_same_year ON vouchers_deduction;
DROP FUNCTION IF EXISTS vouchers_deduction_same_year();
"""


def on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)
    return run


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0008_credit_lists_and_frozen_vouchers")]
    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
