-- The deduction's transaction (vouchers/services/deductions.py::_move_money + django-fsm-log + audit_record),
-- statement for statement as Django sends it (captured with CaptureQueriesContext; see bench/RESULTS.md):
-- the conditional fund UPDATE (the hot row, held to COMMIT), the conditional qualification and voucher UPDATEs,
-- the order row FOR UPDATE, the deduction INSERT, two FSM state logs, the order and voucher state UPDATEs, the
-- ledger INSERT and the audit chain append under its advisory lock. The provider's notification is a separate
-- transaction after COMMIT and is not part of the baseline. Each client takes orders client_id + k × nc + 1.
-- The client sends an Idempotency-Key (as the bench's wrk clients do), so the transaction also inserts and
-- completes the key's record (hangqifu.core.api.idempotent) and the service's atomic block is a savepoint.
-- Variables: -D year= fund= base= amount= nc=(clients) k=0
\set i :client_id + :k * :nc + 1
\set k :k + 1
\set q :base + :i
SELECT id FROM core_idempotencyrecord WHERE key = 'bench-deduct-' || :i AND user_id = :q LIMIT 1;
BEGIN;
INSERT INTO core_idempotencyrecord (key, request_digest, response_status, response_body, created_at, user_id)
  VALUES ('bench-deduct-' || :i, repeat('a', 64), 0, '{}', now(), :q) RETURNING id AS record \gset
SAVEPOINT s0;
WITH s AS (UPDATE vouchers_fund SET deducted = deducted + :amount
           WHERE exhausted_at IS NULL AND total >= deducted + :amount AND year = :year RETURNING 1)
  SELECT count(*) AS ok FROM s \gset
\if :ok
UPDATE vouchers_qualification SET used = used + :amount, reserved = reserved - :amount
  WHERE id = :q AND quota >= used + :amount AND reserved >= :amount AND state = 'active';
UPDATE vouchers_voucher SET balance = balance - :amount
  WHERE balance >= :amount AND category = 'digital_empowerment' AND expires_on >= current_date AND id = :i
    AND state = 'live';
SELECT * FROM vouchers_order WHERE id = :i LIMIT 21 FOR UPDATE;
SELECT * FROM vouchers_fund WHERE year = :year LIMIT 21;
SAVEPOINT s1;
INSERT INTO vouchers_deduction (order_id, voucher_id, organisation_id, qualification_id, fund_id, year, amount,
    order_amount, ratio, declares_no_other_subsidy, created_by_id, created_at)
  VALUES (:i, :i, :q, :q, :fund, :year, :amount, 4000, 0.5, true, :q, now()) RETURNING id AS deduction \gset
RELEASE SAVEPOINT s1;
INSERT INTO django_fsm_log_statelog (timestamp, by_id, source_state, state, transition, content_type_id, object_id,
    description) VALUES (now(), NULL, 'rated', 'deducted', 'deduct', 1, :i, NULL);
UPDATE vouchers_order SET state = 'deducted', deducted_at = now() WHERE id = :i;
SELECT * FROM vouchers_voucher WHERE id = :i LIMIT 21;
INSERT INTO django_fsm_log_statelog (timestamp, by_id, source_state, state, transition, content_type_id, object_id,
    description) VALUES (now(), NULL, 'live', 'used_up', 'use_up', 1, :i, NULL);
UPDATE vouchers_voucher SET state = 'used_up' WHERE id = :i;
SELECT * FROM accounts_organisation WHERE id = :q LIMIT 21;
INSERT INTO vouchers_ledgerentry (kind, year, amount, organisation_id, fund_id, voucher_id, order_id, deduction_id,
    reference, memo, actor_id, business_time, recorded_at)
  VALUES ('deduction', :year, :amount, :q, :fund, :i, :i, :deduction, '', '订单抵扣', :q, now(), now());
SAVEPOINT s2;
SELECT pg_advisory_xact_lock(7152026);
SELECT coalesce((SELECT hash FROM audit_auditevent ORDER BY id DESC LIMIT 1), repeat('0', 64)) AS prev \gset
INSERT INTO audit_auditevent (occurred_at, business_time, actor_id, actor_username, organisation_id, action, object_type,
    object_id, from_state, to_state, payload, ip, prev_hash, hash)
  VALUES (now(), now(), :q, 'bench', :q, 'order.deduct', 'order', :i, 'rated', 'deducted',
    '{"amount": "1000.00", "ratio": "0.500", "order_amount": "4000.00", "voucher_balance": "0.00"}'::jsonb,
    '127.0.0.1'::inet, ':prev', encode(sha256(convert_to(':prev' || :i, 'UTF8')), 'hex'));
RELEASE SAVEPOINT s2;
RELEASE SAVEPOINT s0;
UPDATE core_idempotencyrecord SET response_status = 200,
    response_body = '{"id": 1, "state": "deducted", "deduction": {"amount": "1000.00"}}'::jsonb WHERE id = :record;
\endif
COMMIT;
