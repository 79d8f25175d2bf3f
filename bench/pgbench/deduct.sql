-- The deduction's transaction (vouchers/apis/orders.py::OrderDeductApi with hangqifu.core.api.idempotent, and
-- vouchers/services/deductions.py::_move_money + the transition helper's FSM logs and audit appends), statement
-- for statement as Django sends it (captured with a connection.execute_wrapper on one API deduction with an
-- Idempotency-Key, the provider's service-year row already there): the idempotency lookup (autocommit), then in
-- one transaction the idempotency record, the year's gate (a shared advisory lock) and the fund, the rules read
-- under it (already deducted, other programmes' awards, the provider's headroom), the conditional
-- qualification (with its credit-list check) and voucher UPDATEs, the order FOR UPDATE, the deduction INSERT,
-- the order's FSM log, state and audit append, the voucher's FSM log, state and audit append (used up), the
-- ledger INSERT, the order's documents (the response is rendered and the idempotency record's copy of it
-- written here), the holder guards fired early (SET CONSTRAINTS … IMMEDIATE), the provider's service-year counter
-- UPDATE (第十二条, a hot row per provider) and last the conditional fund UPDATE — the year's hot row, held from
-- there to COMMIT only — then RELEASE of the service's savepoint and COMMIT. Left out: the
-- token, ban, voucher and programme reads before the transaction, and the provider's notification, a separate
-- transaction after COMMIT. Each client takes orders client_id + k × nc + 1; order i's provider is
-- prov + 1 + (i - 1) % providers (bench/deduction_rush.py's seed).
-- Variables: -D year= fund= base= amount= nc=(clients) k=0 prov= providers= and the variant's switches
-- (bench/deduction_rush.py DEDUCT_VARIANTS, one per suspect of what holds the fund row):
--   early_guards=0  every guard at COMMIT, with the fund row held
--   guards=0        no trigger at all (what the guards cost, a measurement only)
--   cap=0           no provider counter UPDATE (what the second hot row costs, a measurement only)
--   charge=0        no fund UPDATE at all: the deduction with no hot row held (a measurement only, with guards=0:
--                   the fund guard refuses a deduction the fund's counter does not show; the run checks deducted = 0)
--   reads=1         the policy read twice more inside the transaction (the app before it read it once)
--   trips=3         after the charge RELEASE SAVEPOINT, the idempotency response, COMMIT (the app before)
--   trips=2         as the app: the idempotency response written before the charge; RELEASE and COMMIT after
--   trips=1         the response and the RELEASE before the charge; COMMIT alone after it
--   trips=0         as 1, and the charge and COMMIT sent in one message (no round trip with the row held)
\set i :client_id + :k * :nc + 1
\set k :k + 1
\set q :base + :i
\set chain :q % 16
\set provider :prov + 1 + (:i - 1) % :providers
SELECT id FROM core_idempotencyrecord WHERE key = 'bench-deduct-' || :i AND user_id = :q ORDER BY id LIMIT 1;
BEGIN;
\if :guards = 0
SET LOCAL session_replication_role = replica;
\endif
INSERT INTO core_idempotencyrecord (key, request_digest, response_status, response_body, created_at, user_id)
  VALUES ('bench-deduct-' || :i, repeat('a', 64), 0, '{}', now(), :q) RETURNING id AS record \gset
SAVEPOINT s0;
SELECT pg_advisory_xact_lock_shared(7152027, :year);
SELECT * FROM vouchers_fund WHERE year = :year ORDER BY year DESC LIMIT 1;
SELECT 1 AS a FROM vouchers_deduction WHERE order_id = :i LIMIT 1;
SELECT * FROM vouchers_othersubsidyaward WHERE credit_code = 'bench-' || :q AND year = :year
  ORDER BY year DESC, credit_code, id;
\if :reads
SELECT * FROM policy_policyyear WHERE year = :year ORDER BY year DESC LIMIT 1;
\endif
SELECT deducted FROM vouchers_providerserviceyear WHERE provider_id = :provider AND year = :year
  ORDER BY year DESC, provider_id LIMIT 1;
UPDATE vouchers_qualification SET used = used + :amount, reserved = reserved - :amount
  WHERE NOT EXISTS (SELECT 1 AS a FROM vouchers_creditlistentry u0 WHERE u0.listed_on <= current_date
                      AND (u0.removed_on IS NULL OR u0.removed_on > current_date) AND u0.credit_code = 'bench-' || :q
                    LIMIT 1)
    AND id = :q AND quota >= used + :amount AND reserved >= :amount AND state = 'active';
UPDATE vouchers_voucher SET balance = balance - :amount
  WHERE balance >= :amount AND category = 'digital_empowerment' AND expires_on >= current_date AND id = :i
    AND state = 'live';
SELECT * FROM vouchers_order o JOIN accounts_organisation b ON b.id = o.buyer_id
  JOIN accounts_organisation p ON p.id = o.provider_id WHERE o.id = :i LIMIT 21 FOR UPDATE OF o;
SAVEPOINT s1;
INSERT INTO vouchers_deduction (order_id, voucher_id, organisation_id, qualification_id, fund_id, year, amount,
    order_amount, ratio, declares_no_other_subsidy, created_by_id, created_at)
  VALUES (:i, :i, :q, :q, :fund, :year, :amount, 4000, 0.5, true, :q, now()) RETURNING id AS deduction \gset
RELEASE SAVEPOINT s1;
SELECT balance FROM vouchers_voucher WHERE id = :i LIMIT 21;
INSERT INTO django_fsm_log_statelog (timestamp, by_id, source_state, state, transition, content_type_id, object_id,
    description) VALUES (now(), NULL, 'rated', 'deducted', 'deduct', 1, :i, NULL) RETURNING id;
UPDATE vouchers_order SET state = 'deducted', deducted_at = now() WHERE id = :i;
SELECT got AS chain, coalesce(head, CASE WHEN got = 0 THEN repeat('0', 64)
         ELSE encode(sha256(convert_to('hangqifu.audit.chain:' || got, 'UTF8')), 'hex') END) AS prev
  FROM audit_chain_heads(ARRAY[:chain]) \gset
INSERT INTO audit_auditevent (occurred_at, business_time, actor_id, actor_username, organisation_id, action, object_type,
    object_id, from_state, to_state, payload, ip, prev_hash, hash, chain)
  VALUES (now(), now(), :q, 'bench', :q, 'order.deduct', 'order', :i, 'rated', 'deducted',
    '{"amount": "1000.00", "ratio": "0.500", "order_amount": "4000.00", "voucher_balance": "0.00"}'::jsonb,
    '127.0.0.1'::inet, ':prev', encode(sha256(convert_to(':prev' || :i, 'UTF8')), 'hex'), :chain) RETURNING id;
INSERT INTO django_fsm_log_statelog (timestamp, by_id, source_state, state, transition, content_type_id, object_id,
    description) VALUES (now(), NULL, 'live', 'used_up', 'use_up', 1, :i, NULL) RETURNING id;
UPDATE vouchers_voucher SET state = 'used_up' WHERE id = :i;
SELECT got AS chain, coalesce(head, CASE WHEN got = 0 THEN repeat('0', 64)
         ELSE encode(sha256(convert_to('hangqifu.audit.chain:' || got, 'UTF8')), 'hex') END) AS prev
  FROM audit_chain_heads(ARRAY[:chain]) \gset
INSERT INTO audit_auditevent (occurred_at, business_time, actor_id, actor_username, organisation_id, action, object_type,
    object_id, from_state, to_state, payload, ip, prev_hash, hash, chain)
  VALUES (now(), now(), :q, 'bench', :q, 'voucher.use_up', 'voucher', :i, 'live', 'used_up',
    '{"order": 1, "deduction": 1}'::jsonb, '127.0.0.1'::inet, ':prev',
    encode(sha256(convert_to(':prev' || 'u' || :i, 'UTF8')), 'hex'), :chain) RETURNING id;
INSERT INTO vouchers_ledgerentry (kind, year, amount, organisation_id, fund_id, voucher_id, order_id, deduction_id,
    reference, memo, actor_id, business_time, recorded_at)
  VALUES ('deduction', :year, :amount, :q, :fund, :i, :i, :deduction, '', '订单抵扣', :q, now(), now()) RETURNING id;
SELECT * FROM documents_document WHERE content_type_id = 1 AND object_id = :i::text ORDER BY id;
\if :early_guards
SET CONSTRAINTS vouchers_deduction_guard, vouchers_qualification_used_guard, vouchers_voucher_balance_guard IMMEDIATE \;
SET CONSTRAINTS vouchers_deduction_guard, vouchers_qualification_used_guard, vouchers_voucher_balance_guard DEFERRED;
\endif
\if :reads
SELECT * FROM policy_policyyear WHERE year = :year ORDER BY year DESC LIMIT 1;
\endif
\if :cap
UPDATE vouchers_providerserviceyear SET deducted = deducted + :amount, cap = 500000
  WHERE deducted <= 500000 - :amount AND provider_id = :provider AND year = :year;
\endif
\if :trips < 2
RELEASE SAVEPOINT s0;
\endif
\if :trips < 3
UPDATE core_idempotencyrecord SET response_status = 200,
    response_body = '{"id": 1, "state": "deducted", "deduction": {"amount": "1000.00"}}'::jsonb WHERE id = :record;
\endif
\if :charge = 0
RELEASE SAVEPOINT s0;
COMMIT;
\elif :trips = 0
UPDATE vouchers_fund SET deducted = deducted + :amount,
       exhausted_at = CASE WHEN deducted + :amount = total THEN now() ELSE exhausted_at END,
       exhaustion_cause = CASE WHEN deducted + :amount = total THEN 'remainder_zero' ELSE exhaustion_cause END
 WHERE id = :fund AND exhausted_at IS NULL AND total >= deducted + :amount \; COMMIT;
\else
WITH s AS (UPDATE vouchers_fund SET deducted = deducted + :amount,
       exhausted_at = CASE WHEN deducted + :amount = total THEN now() ELSE exhausted_at END,
       exhaustion_cause = CASE WHEN deducted + :amount = total THEN 'remainder_zero' ELSE exhaustion_cause END
 WHERE id = :fund AND exhausted_at IS NULL AND total >= deducted + :amount RETURNING total - deducted)
  SELECT count(*) AS ok FROM s \gset
\if :ok
\if :trips = 3
RELEASE SAVEPOINT s0;
UPDATE core_idempotencyrecord SET response_status = 200,
    response_body = '{"id": 1, "state": "deducted", "deduction": {"amount": "1000.00"}}'::jsonb WHERE id = :record;
\elif :trips = 2
RELEASE SAVEPOINT s0;
\endif
COMMIT;
\else
ROLLBACK;
\endif
\endif
