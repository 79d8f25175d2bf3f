"""The money invariants I1–I7 of DOMAIN.md as SQL aggregates over the whole database.

`check_invariants()` returns a list of `Violation`s (empty when every invariant holds). Each check is one
query that selects the offending rows, whatever the number of rows, so it can run after every step of a
randomised model, after a concurrency race, after a crash and rerun, or against a restored backup.

These checks read the *source tables* (deductions, vouchers, claims, payments) and compare them with the
counters the services maintain (fund.deducted, qualification.used/reserved, voucher_type.remaining, provider
year counters) and with the ledger; `verify_ledger` proves ledger conservation, this module proves the
policy limits and the once-only rules from the rows themselves."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class Violation:
    invariant: str  # "I1" … "I7"
    check: str  # stable snake_case name of the check
    row: tuple  # the offending row as the query returned it

    def __str__(self) -> str:
        return f"{self.invariant} {self.check}: {self.row}"


def _tables() -> dict[str, str]:
    from hangqifu.accounts.models import Organisation
    from hangqifu.audit.models import AuditEvent
    from hangqifu.policy.models import PolicyYear
    from redemption.models import ClaimLine, DisbursementOrder, DistrictPayment, ProviderYearCap, RedemptionClaim
    from registration.models import CreditListEntry, Qualification
    from vouchers.models import (
        Deduction,
        Fund,
        FundInsufficiencyDeclaration,
        LedgerEntry,
        Order,
        ProviderServiceYear,
        Voucher,
        VoucherType,
    )

    models = {"fund": Fund, "vtype": VoucherType, "voucher": Voucher, "qual": Qualification, "ded": Deduction,
              "ord": Order, "ledger": LedgerEntry, "claim": RedemptionClaim, "line": ClaimLine,
              "cap": ProviderYearCap, "pay": DistrictPayment, "disb": DisbursementOrder, "policy": PolicyYear,
              "org": Organisation, "credit": CreditListEntry, "audit": AuditEvent, "service_year": ProviderServiceYear,
              "declaration": FundInsufficiencyDeclaration}
    return {name: model._meta.db_table for name, model in models.items()}


def _local_date(column: str) -> str:
    """The Beijing calendar date of a timestamp column (business dates are Asia/Shanghai)."""
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE 'Asia/Shanghai')::date"
    return f"date({column}, '+8 hours')"


APPROVED = "('approved', 'in_settlement', 'paid')"
ENDS = "('void', 'expiry')"


def _checks() -> list[tuple[str, str, str]]:
    t = _tables()
    ded_date = _local_date("d.created_at")
    return [
        # --- I1: Σ deductions of a year ≤ the year's fund; Σ claims of a batch ≤ its cap -------------------
        ("I1", "fund_counter_out_of_range",
         f"SELECT f.year, f.total, f.deducted FROM {t['fund']} f WHERE f.deducted < 0 OR f.deducted > f.total"),
        ("I1", "fund_deductions_exceed_total_or_counter",
         f"SELECT f.year, f.total, f.deducted, COALESCE(SUM(d.amount), 0) FROM {t['fund']} f "
         f"LEFT JOIN {t['ded']} d ON d.year = f.year GROUP BY f.id, f.year, f.total, f.deducted "
         f"HAVING COALESCE(SUM(d.amount), 0) > f.total OR COALESCE(SUM(d.amount), 0) <> f.deducted"),
        # 第四条 用完为止: a year ends (its fund exhausted, its vouchers voided) only at a zero remainder or on a
        # confirmed two-person declaration — never while money is left and nobody declared it.
        ("I1", "fund_ended_with_money_left_undeclared",
         f"SELECT f.year, f.total, f.deducted, f.exhaustion_cause FROM {t['fund']} f WHERE f.exhausted_at IS NOT NULL "
         f"AND f.deducted < f.total AND NOT (f.exhaustion_cause = 'declared' AND EXISTS (SELECT 1 FROM "
         f"{t['declaration']} x WHERE x.fund_id = f.id AND x.state = 'confirmed' AND x.decided_by_id <> x.proposed_by_id))"),
        ("I1", "fund_spent_but_year_open",
         f"SELECT f.year, f.total, f.deducted FROM {t['fund']} f WHERE f.deducted = f.total AND f.exhausted_at IS NULL"),
        ("I1", "deduction_without_fund_of_its_year",
         f"SELECT d.id, d.year FROM {t['ded']} d LEFT JOIN {t['fund']} f ON f.id = d.fund_id "
         f"WHERE f.id IS NULL OR f.year <> d.year"),
        ("I1", "batch_type_claims_exceed_cap_or_counter",
         f"SELECT vt.id, vt.count, vt.remaining, COUNT(v.id) FROM {t['vtype']} vt "
         f"LEFT JOIN {t['voucher']} v ON v.voucher_type_id = vt.id GROUP BY vt.id, vt.count, vt.remaining "
         f"HAVING COUNT(v.id) > vt.count OR COUNT(v.id) <> vt.count - vt.remaining OR vt.remaining < 0"),
        # --- I2: Σ deductions of a holder in a year ≤ its quota; a deduction ≤ its voucher's balance ------
        ("I2", "holder_deductions_exceed_quota_or_counter",
         f"SELECT q.id, q.quota, q.used, COALESCE(SUM(d.amount), 0) FROM {t['qual']} q "
         f"LEFT JOIN {t['ded']} d ON d.qualification_id = q.id GROUP BY q.id, q.quota, q.used "
         f"HAVING COALESCE(SUM(d.amount), 0) > q.quota OR COALESCE(SUM(d.amount), 0) <> q.used"),
        ("I2", "holder_claims_exceed_headroom",
         f"SELECT q.id, q.quota, q.used, q.reserved, COALESCE(SUM(v.balance), 0) FROM {t['qual']} q "
         f"LEFT JOIN {t['voucher']} v ON v.qualification_id = q.id AND v.state = 'live' "
         f"GROUP BY q.id, q.quota, q.used, q.reserved "
         f"HAVING q.used + q.reserved > q.quota OR q.reserved < 0 OR COALESCE(SUM(v.balance), 0) <> q.reserved"),
        ("I2", "deduction_of_another_holder_or_year",
         f"SELECT d.id FROM {t['ded']} d JOIN {t['qual']} q ON q.id = d.qualification_id "
         f"JOIN {t['voucher']} v ON v.id = d.voucher_id JOIN {t['ord']} o ON o.id = d.order_id "
         f"WHERE q.organisation_id <> d.organisation_id OR v.organisation_id <> d.organisation_id "
         f"OR o.buyer_id <> d.organisation_id OR q.year <> d.year OR v.qualification_id <> d.qualification_id"),
        ("I2", "voucher_balance_out_of_range",
         f"SELECT v.id, v.face_value, v.balance FROM {t['voucher']} v "
         f"WHERE v.balance < 0 OR v.balance > v.face_value"),
        ("I2", "voucher_deductions_exceed_face",
         f"SELECT v.id, v.face_value, v.balance, SUM(d.amount) FROM {t['voucher']} v "
         f"JOIN {t['ded']} d ON d.voucher_id = v.id GROUP BY v.id, v.face_value, v.balance "
         f"HAVING SUM(d.amount) > v.face_value OR (v.state IN ('live', 'used_up') "
         f"AND SUM(d.amount) + v.balance <> v.face_value)"),
        # --- I3: a deduction ≤ ratio × its order's actual amount; an order takes at most one deduction ----
        ("I3", "deduction_over_ratio",
         f"SELECT d.id, d.amount, o.amount, p.deduction_ratio FROM {t['ded']} d "
         f"JOIN {t['ord']} o ON o.id = d.order_id JOIN {t['policy']} p ON p.year = d.year "
         f"WHERE d.amount > o.amount * p.deduction_ratio OR d.order_amount <> o.amount OR d.amount <= 0"),
        ("I3", "order_deducted_more_than_once",
         f"SELECT d.order_id, COUNT(*) FROM {t['ded']} d GROUP BY d.order_id HAVING COUNT(*) > 1"),
        ("I3", "order_state_disagrees_with_deduction",
         f"SELECT o.id, o.state FROM {t['ord']} o LEFT JOIN {t['ded']} d ON d.order_id = o.id "
         f"WHERE (o.state = 'deducted') <> (d.id IS NOT NULL)"),
        # --- I4: Σ redeemed of a provider in a year ≤ the provider cap ------------------------------------
        ("I4", "provider_year_over_cap",
         f"SELECT c.provider_id, c.cap_year, SUM(c.verified_amount), p.provider_annual_cap "
         f"FROM {t['claim']} c JOIN {t['policy']} p ON p.year = c.cap_year WHERE c.state IN {APPROVED} "
         f"GROUP BY c.provider_id, c.cap_year, p.provider_annual_cap "
         f"HAVING SUM(c.verified_amount) > p.provider_annual_cap"),
        ("I4", "provider_counter_disagrees",
         f"SELECT y.provider_id, y.year, y.approved, y.cap, COALESCE(SUM(c.verified_amount), 0) FROM {t['cap']} y "
         f"LEFT JOIN {t['claim']} c ON c.provider_id = y.provider_id AND c.cap_year = y.year "
         f"AND c.state IN {APPROVED} GROUP BY y.id, y.provider_id, y.year, y.approved, y.cap "
         f"HAVING y.approved > y.cap OR y.approved <> COALESCE(SUM(c.verified_amount), 0)"),
        # 第十二条 by service year, before the money moves: Σ deductions of a provider in a year ≤ its cap, and the
        # counter the deduction moves equals that sum.
        ("I4", "provider_service_year_deductions_over_cap",
         f"SELECT o.provider_id, d.year, SUM(d.amount), p.provider_annual_cap FROM {t['ded']} d "
         f"JOIN {t['ord']} o ON o.id = d.order_id JOIN {t['policy']} p ON p.year = d.year "
         f"GROUP BY o.provider_id, d.year, p.provider_annual_cap HAVING SUM(d.amount) > p.provider_annual_cap"),
        ("I4", "provider_service_counter_disagrees",
         f"SELECT y.provider_id, y.year, y.deducted, COALESCE(SUM(d.amount), 0) FROM {t['service_year']} y "
         f"LEFT JOIN {t['ord']} o ON o.provider_id = y.provider_id "
         f"LEFT JOIN {t['ded']} d ON d.order_id = o.id AND d.year = y.year "
         f"GROUP BY y.id, y.provider_id, y.year, y.deducted, y.cap "
         f"HAVING y.deducted > y.cap OR y.deducted <> COALESCE(SUM(d.amount), 0)"),
        ("I4", "provider_redemption_entries_over_cap",
         f"SELECT l.organisation_id, l.year, SUM(l.amount), p.provider_annual_cap FROM {t['ledger']} l "
         f"JOIN {t['policy']} p ON p.year = l.year WHERE l.kind = 'redemption' "
         f"GROUP BY l.organisation_id, l.year, p.provider_annual_cap HAVING SUM(l.amount) > p.provider_annual_cap"),
        # --- I5: an order redeemed once; a claim disbursed once; a payment recorded once ----------------
        ("I5", "order_redeemed_more_than_once",
         f"SELECT cl.order_id, COUNT(*) FROM {t['line']} cl JOIN {t['claim']} c ON c.id = cl.claim_id "
         f"WHERE c.state IN {APPROVED} GROUP BY cl.order_id HAVING COUNT(*) > 1"),
        ("I5", "order_with_two_redemption_entries",
         f"SELECT l.order_id, COUNT(*) FROM {t['ledger']} l WHERE l.kind = 'redemption' "
         f"GROUP BY l.order_id HAVING COUNT(*) > 1 OR l.order_id IS NULL"),
        ("I5", "disbursed_line_without_exactly_one_entry",
         f"SELECT cl.id, COUNT(l.id) FROM {t['line']} cl JOIN {t['claim']} c ON c.id = cl.claim_id "
         f"LEFT JOIN {t['ledger']} l ON l.kind = 'redemption' AND l.order_id = cl.order_id "
         f"WHERE c.payment_id IS NOT NULL GROUP BY cl.id HAVING COUNT(l.id) <> 1"),
        ("I5", "payment_recorded_not_once",
         f"SELECT p.id, p.state, p.amount, COUNT(l.id) FROM {t['pay']} p "
         f"LEFT JOIN {t['ledger']} l ON l.kind = 'payment' AND l.reference = p.reference AND p.reference <> '' "
         f"AND l.organisation_id = p.provider_id AND l.amount = p.amount "
         f"GROUP BY p.id, p.state, p.amount HAVING (p.state = 'paid' AND COUNT(l.id) <> 1) "
         f"OR (p.state <> 'paid' AND COUNT(l.id) <> 0)"),
        ("I5", "payment_entries_exceed_paid_payments",
         f"SELECT COUNT(*), COALESCE(SUM(l.amount), 0) FROM {t['ledger']} l WHERE l.kind = 'payment' "
         f"HAVING COUNT(*) <> (SELECT COUNT(*) FROM {t['pay']} WHERE state = 'paid') "
         f"OR COALESCE(SUM(l.amount), 0) <> (SELECT COALESCE(SUM(amount), 0) FROM {t['pay']} WHERE state = 'paid')"),
        ("I5", "one_payment_line_per_provider_and_batch",
         f"SELECT p.batch_id, p.provider_id, COUNT(*) FROM {t['pay']} p GROUP BY p.batch_id, p.provider_id "
         f"HAVING COUNT(*) > 1"),
        # --- I6: nothing deducted from an expired, voided or revoked voucher; no year crossing -------------
        ("I6", "deduction_after_voucher_validity",
         f"SELECT d.id, v.id, v.expires_on FROM {t['ded']} d JOIN {t['voucher']} v ON v.id = d.voucher_id "
         f"WHERE {ded_date} > v.expires_on OR (v.ended_at IS NOT NULL AND d.created_at > v.ended_at)"),
        ("I6", "deduction_crosses_a_year",
         f"SELECT d.id, d.year, v.year, o.year FROM {t['ded']} d JOIN {t['voucher']} v ON v.id = d.voucher_id "
         f"JOIN {t['ord']} o ON o.id = d.order_id "
         f"WHERE d.year <> v.year OR d.year <> o.year OR d.year <> CAST(substr(CAST({ded_date} AS TEXT), 1, 4) "
         f"AS INTEGER)"),
        ("I6", "voucher_valid_beyond_its_year",
         f"SELECT v.id, v.year, v.expires_on FROM {t['voucher']} v "
         f"WHERE CAST(substr(CAST(v.expires_on AS TEXT), 1, 4) AS INTEGER) <> v.year"),
        ("I6", "ended_voucher_keeps_a_balance",
         f"SELECT v.id, v.state, v.balance FROM {t['voucher']} v "
         f"WHERE v.state IN ('voided', 'expired', 'used_up') AND v.balance <> 0"),
        # --- I7: every yuan traceable fund → voucher → deduction → claim → disbursement → payment --------
        ("I7", "voucher_not_conserved_in_ledger",
         f"SELECT v.id, v.face_value, v.balance, "
         f"COALESCE(SUM(CASE WHEN l.kind = 'deduction' THEN l.amount END), 0), "
         f"COALESCE(SUM(CASE WHEN l.kind IN {ENDS} THEN l.amount END), 0), "
         f"COALESCE(SUM(CASE WHEN l.kind = 'claim' THEN l.amount END), 0) FROM {t['voucher']} v "
         f"LEFT JOIN {t['ledger']} l ON l.voucher_id = v.id GROUP BY v.id, v.face_value, v.balance "
         f"HAVING v.face_value <> v.balance + COALESCE(SUM(CASE WHEN l.kind = 'deduction' THEN l.amount END), 0) "
         f"+ COALESCE(SUM(CASE WHEN l.kind IN {ENDS} THEN l.amount END), 0) "
         f"OR COALESCE(SUM(CASE WHEN l.kind = 'claim' THEN l.amount END), 0) <> v.face_value "
         f"OR SUM(CASE WHEN l.kind = 'claim' THEN 1 ELSE 0 END) <> 1"),
        ("I7", "deduction_without_its_ledger_entry",
         f"SELECT d.id, d.amount, COUNT(l.id) FROM {t['ded']} d LEFT JOIN {t['ledger']} l "
         f"ON l.deduction_id = d.id AND l.kind = 'deduction' AND l.amount = d.amount AND l.voucher_id = d.voucher_id "
         f"AND l.order_id = d.order_id AND l.fund_id = d.fund_id GROUP BY d.id, d.amount HAVING COUNT(l.id) <> 1"),
        ("I7", "ledger_deduction_without_deduction",
         f"SELECT l.id FROM {t['ledger']} l LEFT JOIN {t['ded']} d ON d.id = l.deduction_id "
         f"WHERE l.kind = 'deduction' AND d.id IS NULL"),
        ("I7", "claim_line_not_its_orders_deduction",
         f"SELECT cl.id FROM {t['line']} cl JOIN {t['ded']} d ON d.id = cl.deduction_id "
         f"WHERE d.order_id <> cl.order_id OR cl.amount <> d.amount "
         f"OR (cl.verified_amount IS NOT NULL AND cl.verified_amount > cl.amount)"),
        ("I7", "claim_amount_not_its_lines",
         f"SELECT c.id, c.verified_amount, SUM(cl.verified_amount) FROM {t['claim']} c "
         f"JOIN {t['line']} cl ON cl.claim_id = c.id WHERE c.state IN {APPROVED} "
         f"GROUP BY c.id, c.verified_amount HAVING c.verified_amount IS NULL "
         f"OR c.verified_amount <> SUM(cl.verified_amount)"),
        ("I7", "redemption_entry_not_traceable",
         f"SELECT l.id FROM {t['ledger']} l LEFT JOIN {t['ded']} d ON d.id = l.deduction_id "
         f"LEFT JOIN {t['line']} cl ON cl.order_id = l.order_id AND cl.redeemed_order_id IS NOT NULL "
         f"WHERE l.kind = 'redemption' AND (d.id IS NULL OR d.order_id <> l.order_id OR cl.id IS NULL "
         f"OR l.amount <> cl.verified_amount OR l.fund_id <> d.fund_id)"),
        ("I7", "payment_not_its_claims",
         f"SELECT p.id, p.amount, COALESCE(SUM(c.verified_amount), 0) FROM {t['pay']} p "
         f"LEFT JOIN {t['claim']} c ON c.payment_id = p.id GROUP BY p.id, p.amount "
         f"HAVING p.amount <> COALESCE(SUM(c.verified_amount), 0)"),
        ("I7", "disbursement_not_its_payments",
         f"SELECT o.id, o.total, COALESCE(SUM(p.amount), 0) FROM {t['disb']} o "
         f"LEFT JOIN {t['pay']} p ON p.disbursement_order_id = o.id GROUP BY o.id, o.total "
         f"HAVING o.total <> COALESCE(SUM(p.amount), 0)"),
        ("I7", "claim_paid_state_disagrees_with_payment",
         f"SELECT c.id, c.state, p.state FROM {t['claim']} c LEFT JOIN {t['pay']} p ON p.id = c.payment_id "
         f"WHERE (c.state = 'paid') <> (p.state IS NOT NULL AND p.state = 'paid') "
         f"OR (c.payment_id IS NOT NULL AND c.state NOT IN ('in_settlement', 'paid')) "
         f"OR (p.id IS NOT NULL AND p.batch_id <> c.batch_id)"),
        ("I7", "claim_paid_by_another_district",
         f"SELECT c.id, c.settlement_district, p.district FROM {t['claim']} c JOIN {t['pay']} p ON p.id = c.payment_id "
         f"WHERE c.settlement_district IS DISTINCT FROM p.district"),
        ("I7", "redeemed_more_than_deducted",
         f"SELECT l.year, SUM(CASE WHEN l.kind = 'redemption' THEN l.amount ELSE 0 END), "
         f"SUM(CASE WHEN l.kind = 'deduction' THEN l.amount ELSE 0 END) FROM {t['ledger']} l GROUP BY l.year "
         f"HAVING SUM(CASE WHEN l.kind = 'redemption' THEN l.amount ELSE 0 END) "
         f"> SUM(CASE WHEN l.kind = 'deduction' THEN l.amount ELSE 0 END)"),
    ]




# Acts of the programme and who acted: (source, id, organisation, business time) — claims, orders, deductions
# for the buyer; redemption approvals and confirmed payments for the provider.
def _acts(t: dict) -> str:
    return (f"SELECT 'claim' AS act, v.id, v.organisation_id AS org, v.claimed_at AS at, v.qualification_id AS q "
            f"FROM {t['voucher']} v UNION ALL "
            f"SELECT 'order', o.id, o.buyer_id, o.signed_at, NULL FROM {t['ord']} o UNION ALL "
            f"SELECT 'deduction', d.id, d.organisation_id, d.created_at, d.qualification_id FROM {t['ded']} d")


def _eligibility_checks() -> list[tuple[str, str, str]]:
    """第六、二十二条 and frozen vouchers, from the rows: nothing was claimed, ordered or deducted by a party on a
    list known at the time (imported before the act, listed_on ≤ day < removed_on), nothing outside the policy's
    period, nothing while the qualification was suspended (from the audit trail's business times), and no
    provider approved for redemption or paid while listed."""
    t = _tables()
    acts = _acts(t)
    day = _local_date("a.at")
    paid = (f"SELECT 'redemption_approval' AS act, c.id, c.provider_id AS org, c.approved_at AS at FROM {t['claim']} c "
            f"WHERE c.approved_at IS NOT NULL UNION ALL "
            f"SELECT 'payment', p.id, p.provider_id, p.confirmed_at FROM {t['pay']} p WHERE p.confirmed_at IS NOT NULL")
    listed = (f"JOIN {t['org']} g ON g.id = a.org JOIN {t['credit']} e ON e.credit_code = g.credit_code "
              f"WHERE e.imported_at < a.at AND e.listed_on <= {day} AND (e.removed_on IS NULL OR {day} < e.removed_on)")
    return [
        ("E6", "act_by_a_listed_party", f"SELECT a.act, a.id, e.id FROM ({acts}) a {listed}"),
        ("E6", "provider_paid_while_listed", f"SELECT a.act, a.id, e.id FROM ({paid}) a {listed}"),
        ("E22", "act_outside_the_policy_period",
         f"SELECT a.act, a.id, {day} FROM ({acts}) a JOIN {t['policy']} p ON p.year = "
         f"(SELECT MIN(year) FROM {t['policy']}) WHERE {day} < p.policy_valid_from OR {day} > p.policy_valid_until"),
        ("E11", "claim_or_deduction_while_suspended",
         f"SELECT a.act, a.id, s.id FROM ({acts}) a JOIN {t['audit']} s ON s.object_type = 'qualification' "
         f"AND s.object_id = CAST(a.q AS TEXT) "
         f"AND s.action = 'qualification.suspend' AND s.business_time < a.at "
         f"WHERE a.q IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {t['audit']} r WHERE r.object_type = s.object_type "
         f"AND r.object_id = s.object_id AND r.action IN ('qualification.reinstate', 'qualification.revoke') "
         f"AND r.business_time >= s.business_time AND r.business_time < a.at)"),
    ]


def check_names() -> list[tuple[str, str]]:
    return [(invariant, name) for invariant, name, _ in [*_checks(), *_eligibility_checks()]]


def check_invariants(*, limit: int = 20, using: str = "default") -> list[Violation]:
    """Run every check; return up to `limit` offending rows per check (empty list: all invariants hold)."""
    from django.db import connections

    violations = []
    with connections[using].cursor() as cursor:
        for invariant, name, sql in [*_checks(), *_eligibility_checks()]:
            cursor.execute(f"SELECT * FROM ({sql}) AS offending LIMIT {int(limit)}")
            violations.extend(Violation(invariant, name, tuple(row)) for row in cursor.fetchall())
    return violations


def assert_invariants(context: str = "") -> None:
    violations = check_invariants()
    if violations:
        lines = "\n".join(f"  {v}" for v in violations[:40])
        raise AssertionError(f"money invariants violated{(' ' + context) if context else ''}:\n{lines}")
