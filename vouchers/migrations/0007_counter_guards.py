"""PostgreSQL guard, completing 0005: a money counter never moves on its own (I1, I2; issue 10 check 3).

0005 checks the counters when a deduction row is written. This checks them when a counter is written without
one: at COMMIT (deferred), a changed

- `vouchers_fund.deducted` must have moved by exactly this transaction's deductions (the 0005 accumulator is 0);
- `vouchers_qualification.used` must equal the sum of the qualification's deductions;
- live or used-up `vouchers_voucher.balance` must equal face value − its deductions (expiry and voiding end a
  voucher at balance 0, and its deductions do not change afterwards, so those rows are not checked).

Only deductions move these counters in the application (vouchers/services/deductions.py); recovery writes
reversal ledger entries, never counters. Each check is O(1) or a sum over one holder's or one voucher's
deductions (indexed). Bulk loads with `session_replication_role = replica` skip it, as they skip 0005."""
from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION vouchers_counter_guard() RETURNS trigger AS $$
BEGIN
    IF TG_ARGV[0] = 'fund' THEN
        PERFORM vouchers_deduction_check(NEW.id, NULL, NULL);
    ELSIF TG_ARGV[0] = 'qualification' THEN
        PERFORM vouchers_deduction_check(NULL, NEW.id, NULL);
    ELSE
        PERFORM vouchers_deduction_check(NULL, NULL, NEW.id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- The sums over one holder's / one voucher's deductions must use their index however small the table was when
-- a connection first ran them: a cached generic plan chosen on an empty table scans the whole table for ever
-- after (the guard's cost then grew with the year's deductions). Custom plans see the table's current size.
ALTER FUNCTION vouchers_deduction_check(bigint, bigint, bigint) SET plan_cache_mode = force_custom_plan;

CREATE CONSTRAINT TRIGGER vouchers_fund_counter_guard AFTER UPDATE OF deducted ON vouchers_fund
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.deducted IS DISTINCT FROM NEW.deducted)
    EXECUTE FUNCTION vouchers_counter_guard('fund');
CREATE CONSTRAINT TRIGGER vouchers_qualification_used_guard AFTER UPDATE OF used ON vouchers_qualification
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.used IS DISTINCT FROM NEW.used)
    EXECUTE FUNCTION vouchers_counter_guard('qualification');
CREATE CONSTRAINT TRIGGER vouchers_voucher_balance_guard AFTER UPDATE OF balance ON vouchers_voucher
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.balance IS DISTINCT FROM NEW.balance AND NEW.state IN ('live', 'used_up'))
    EXECUTE FUNCTION vouchers_counter_guard('voucher');
"""
DROP = """
DROP TRIGGER IF EXISTS vouchers_voucher_balance_guard ON vouchers_voucher;
DROP TRIGGER IF EXISTS vouchers_qualification_used_guard ON vouchers_qualification;
DROP TRIGGER IF EXISTS vouchers_fund_counter_guard ON vouchers_fund;
DROP FUNCTION IF EXISTS vouchers_counter_guard();
ALTER FUNCTION vouchers_deduction_check(bigint, bigint, bigint) RESET plan_cache_mode;
"""


def on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)
    return run


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0006_dashboard_indexes")]
    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
