-- The deduction's transaction (vouchers/apis/orders.py::OrderDeductApi with hangqifu.core.api.idempotent, and
-- vouchers/services/deductions.py::_move_money + django-fsm-log + audit_record), statement for statement as
-- Django sends it (captured with a connection.execute_wrapper on one API deduction): the idempotency record, the
-- year's gate (a shared advisory lock) and the fund, the already-deducted check, the conditional qualification
-- and voucher UPDATEs, the order FOR UPDATE, the deduction INSERT, two FSM state logs, the order and voucher
-- state UPDATEs, the ledger INSERT, the audit append to the organisation's chain, the order's documents (the
-- response is rendered here), the holder guards fired early (SET CONSTRAINTS … IMMEDIATE), and last the
-- conditional fund UPDATE — the hot row, held from there to COMMIT only — then the idempotency record's
-- response. The provider's notification is a separate transaction after COMMIT and is not part of the
-- baseline. Each client takes orders client_id + k × nc + 1.
-- Variables: -D year= fund= base= amount= nc=(clients) k=0 and the variant's switches (bench/deduction_rush.py
-- DEDUCT_VARIANTS, one per suspect of what holds the fund row):
--   keyshare=1      the fund row FOR KEY SHARE first instead of the gate (before: a MultiXact on the hot row)
--   early_guards=0  every guard at COMMIT, with the fund row held (before)
--   guards=0        no trigger at all (what the guards cost, a measurement only)
--   audit_last=1    the audit append (and its chain lock) after the fund UPDATE instead of before it
--   trips=1 / 0     the idempotency record written before the charge; 0: the charge and COMMIT in one message
\set i :client_id + :k * :nc + 1
\set k :k + 1
\set q :base + :i
\set chain :q % 16
SELECT id FROM core_idempotencyrecord WHERE key = 'bench-deduct-' || :i AND user_id = :q ORDER BY id LIMIT 1;
BEGIN;
\if :guards = 0
SET LOCAL session_replication_role = replica;
\endif
INSERT INTO core_idempotencyrecord (key, request_digest, response_status, response_body, created_at, user_id)
  VALUES ('bench-deduct-' || :i, repeat('a', 64), 0, '{}', now(), :q) RETURNING id AS record \gset
SAVEPOINT s0;
\if :keyshare
SELECT * FROM vouchers_fund WHERE year = :year FOR KEY SHARE;
\else
SELECT pg_advisory_xact_lock_shared(7152027, :year);
SELECT * FROM vouchers_fund WHERE year = :year;
\endif
SELECT 1 AS a FROM vouchers_deduction WHERE order_id = :i LIMIT 1;
UPDATE vouchers_qualification SET used = used + :amount, reserved = reserved - :amount
  WHERE id = :q AND quota >= used + :amount AND reserved >= :amount AND state = 'active';
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
INSERT INTO django_fsm_log_statelog (timestamp, by_id, source_state, state, transition, content_type_id, object_id,
    description) VALUES (now(), NULL, 'rated', 'deducted', 'deduct', 1, :i, NULL);
UPDATE vouchers_order SET state = 'deducted', deducted_at = now() WHERE id = :i;
SELECT balance FROM vouchers_voucher WHERE id = :i LIMIT 21;
INSERT INTO django_fsm_log_statelog (timestamp, by_id, source_state, state, transition, content_type_id, object_id,
    description) VALUES (now(), NULL, 'live', 'used_up', 'use_up', 1, :i, NULL);
UPDATE vouchers_voucher SET state = 'used_up' WHERE id = :i;
INSERT INTO vouchers_ledgerentry (kind, year, amount, organisation_id, fund_id, voucher_id, order_id, deduction_id,
    reference, memo, actor_id, business_time, recorded_at)
  VALUES ('deduction', :year, :amount, :q, :fund, :i, :i, :deduction, '', '订单抵扣', :q, now(), now());
\if :audit_last = 0
SELECT got AS chain, coalesce(head, CASE WHEN got = 0 THEN repeat('0', 64)
         ELSE encode(sha256(convert_to('hangqifu.audit.chain:' || got, 'UTF8')), 'hex') END) AS prev
  FROM audit_chain_heads(ARRAY[:chain]) \gset
INSERT INTO audit_auditevent (occurred_at, business_time, actor_id, actor_username, organisation_id, action, object_type,
    object_id, from_state, to_state, payload, ip, prev_hash, hash, chain)
  VALUES (now(), now(), :q, 'bench', :q, 'order.deduct', 'order', :i, 'rated', 'deducted',
    '{"amount": "1000.00", "ratio": "0.500", "order_amount": "4000.00", "voucher_balance": "0.00"}'::jsonb,
    '127.0.0.1'::inet, ':prev', encode(sha256(convert_to(':prev' || :i, 'UTF8')), 'hex'), :chain);
\endif
SELECT * FROM documents_document WHERE content_type_id = 1 AND object_id = :i::text ORDER BY id;
\if :early_guards
SET CONSTRAINTS vouchers_deduction_guard, vouchers_qualification_used_guard, vouchers_voucher_balance_guard IMMEDIATE \;
SET CONSTRAINTS vouchers_deduction_guard, vouchers_qualification_used_guard, vouchers_voucher_balance_guard DEFERRED;
\endif
\if :trips = 3
WITH s AS (UPDATE vouchers_fund SET deducted = deducted + :amount
           WHERE exhausted_at IS NULL AND id = :fund AND total >= deducted + :amount RETURNING 1)
  SELECT count(*) AS ok FROM s \gset
\if :ok
\if :audit_last
SELECT got AS chain, coalesce(head, CASE WHEN got = 0 THEN repeat('0', 64)
         ELSE encode(sha256(convert_to('hangqifu.audit.chain:' || got, 'UTF8')), 'hex') END) AS prev
  FROM audit_chain_heads(ARRAY[:chain]) \gset
INSERT INTO audit_auditevent (occurred_at, business_time, actor_id, actor_username, organisation_id, action, object_type,
    object_id, from_state, to_state, payload, ip, prev_hash, hash, chain)
  VALUES (now(), now(), :q, 'bench', :q, 'order.deduct', 'order', :i, 'rated', 'deducted',
    '{"amount": "1000.00", "ratio": "0.500", "order_amount": "4000.00", "voucher_balance": "0.00"}'::jsonb,
    '127.0.0.1'::inet, ':prev', encode(sha256(convert_to(':prev' || :i, 'UTF8')), 'hex'), :chain);
\endif
RELEASE SAVEPOINT s0;
UPDATE core_idempotencyrecord SET response_status = 200,
    response_body = '{"id": 1, "state": "deducted", "deduction": {"amount": "1000.00"}}'::jsonb WHERE id = :record;
COMMIT;
\else
ROLLBACK;
\endif
\else
RELEASE SAVEPOINT s0;
UPDATE core_idempotencyrecord SET response_status = 200,
    response_body = '{"id": 1, "state": "deducted", "deduction": {"amount": "1000.00"}}'::jsonb WHERE id = :record;
\if :trips = 1
WITH s AS (UPDATE vouchers_fund SET deducted = deducted + :amount
           WHERE exhausted_at IS NULL AND id = :fund AND total >= deducted + :amount RETURNING 1)
  SELECT count(*) AS ok FROM s \gset
\if :ok
COMMIT;
\else
ROLLBACK;
\endif
\else
UPDATE vouchers_fund SET deducted = deducted + :amount WHERE exhausted_at IS NULL AND id = :fund AND total >= deducted + :amount \; COMMIT;
\endif
\endif
