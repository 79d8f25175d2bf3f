"""PostgreSQL guards of 0005/0007, split so that COMMIT does only O(1) work while the year's fund row is held.

Every deduction ends on one hot row, the year's fund (`deducted + x`), and holds it until COMMIT. 0005/0007
checked everything at COMMIT: the fund accumulator (O(1)) but also the sums over the qualification's and the
voucher's deductions — planned afresh on every call (0007's force_custom_plan), four times a deduction, all
while the fund row was locked. The checks themselves do not change; only who fires when:

- `vouchers_deduction_guard` (deduction rows) now checks the holder's rows only: the qualification's `used`
  and the voucher's balance against their deductions (as before), still DEFERRABLE INITIALLY DEFERRED;
- the new `vouchers_deduction_fund_guard` (deduction rows) and `vouchers_fund_counter_guard` (fund counter)
  check the fund's transaction-local accumulator only (`vouchers_fund_guard_check`: no query at all);
- the holder checks (`vouchers_deduction_guard`, `vouchers_qualification_used_guard`,
  `vouchers_voucher_balance_guard`) may be fired early with `SET CONSTRAINTS … IMMEDIATE`: the deduction
  service does so just before it charges the fund (vouchers/statements.py), so at COMMIT, with the
  fund row locked, only the O(1) fund checks remain. A transaction that does not fire them early is checked
  at COMMIT exactly as before."""
from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION vouchers_fund_guard_check(p_fund bigint) RETURNS void AS $$
DECLARE
    pending numeric := COALESCE(NULLIF(current_setting('hqguard.fund_' || p_fund, true), ''), '0')::numeric;
BEGIN
    IF pending <> 0 THEN
        RAISE EXCEPTION 'deduction guard: fund % counter moved % more than its deductions in this transaction',
            p_fund, pending USING ERRCODE = 'integrity_constraint_violation';
    END IF;
END;
$$ LANGUAGE plpgsql;

-- the deduction row's holder checks (qualification, voucher): may fire early (SET CONSTRAINTS … IMMEDIATE)
CREATE OR REPLACE FUNCTION vouchers_deduction_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM vouchers_deduction_check(NULL, NEW.qualification_id, NEW.voucher_id);
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (OLD.qualification_id, OLD.voucher_id)
                            IS DISTINCT FROM (NEW.qualification_id, NEW.voucher_id)) THEN
        PERFORM vouchers_deduction_check(NULL, OLD.qualification_id, OLD.voucher_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- the deduction row's fund check, at COMMIT (the fund counter moves after the deduction row is written)
CREATE OR REPLACE FUNCTION vouchers_deduction_fund_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM vouchers_fund_guard_check(NEW.fund_id);
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.fund_id IS DISTINCT FROM NEW.fund_id) THEN
        PERFORM vouchers_fund_guard_check(OLD.fund_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION vouchers_counter_guard() RETURNS trigger AS $$
BEGIN
    IF TG_ARGV[0] = 'fund' THEN
        PERFORM vouchers_fund_guard_check(NEW.id);
    ELSIF TG_ARGV[0] = 'qualification' THEN
        PERFORM vouchers_deduction_check(NULL, NEW.id, NULL);
    ELSE
        PERFORM vouchers_deduction_check(NULL, NULL, NEW.id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER vouchers_deduction_fund_guard
    AFTER INSERT OR UPDATE OF amount, fund_id OR DELETE ON vouchers_deduction
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION vouchers_deduction_fund_guard();
"""
DROP = r"""
DROP TRIGGER IF EXISTS vouchers_deduction_fund_guard ON vouchers_deduction;
DROP FUNCTION IF EXISTS vouchers_deduction_fund_guard();

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

DROP FUNCTION IF EXISTS vouchers_fund_guard_check(bigint);
"""


def on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)
    return run


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0010_fund_remainder_provider_cap_subsidies")]
    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
