-- The claim's transaction (vouchers/services/claims.py::_claim + audit.services.audit_record), statement for
-- statement as Django sends it (captured with CaptureQueriesContext; bench/RESULTS.md lists the capture):
-- fund FOR SHARE, the exhausted check, the conditional slot UPDATE, the conditional headroom UPDATE, the
-- voucher INSERT, the ledger INSERT, and the audit chain append under its advisory lock.
-- Variables: -D year= fund= vt= qmin= qmax=
\set q random(:qmin, :qmax)
BEGIN;
SELECT id FROM vouchers_fund WHERE year = :year FOR SHARE;
SELECT 1 AS a FROM vouchers_fund WHERE exhausted_at IS NOT NULL AND id = :fund LIMIT 1;
WITH s AS (UPDATE vouchers_vouchertype SET remaining = remaining - 1 WHERE id = :vt AND remaining > 0 RETURNING 1)
  SELECT count(*) AS slot FROM s \gset
\if :slot
UPDATE vouchers_qualification SET reserved = reserved + 1000.00
  WHERE id = :q AND quota >= used + reserved + 1000.00 AND state = 'active';
INSERT INTO vouchers_voucher (organisation_id, qualification_id, batch_id, voucher_type_id, year, category, face_value,
    balance, expires_on, state, claimed_at, claimed_by_id, ended_at, end_reason)
  VALUES (:q, :q, :vt, :vt, :year, 'digital_empowerment', 1000.00, 1000.00, make_date(:year, 12, 31), 'live', now(),
    :q, NULL, '') RETURNING id AS voucher \gset
INSERT INTO vouchers_ledgerentry (kind, year, amount, organisation_id, fund_id, voucher_id, order_id, deduction_id,
    reference, memo, actor_id, business_time, recorded_at)
  VALUES ('claim', :year, 1000.00, :q, :fund, :voucher, NULL, NULL, '', '压测批次 领券', :q, now(), now());
SAVEPOINT s1;
SELECT pg_advisory_xact_lock(7152026);
SELECT coalesce((SELECT hash FROM audit_auditevent ORDER BY id DESC LIMIT 1), repeat('0', 64)) AS prev \gset
INSERT INTO audit_auditevent (occurred_at, business_time, actor_id, actor_username, organisation_id, action, object_type,
    object_id, from_state, to_state, payload, ip, prev_hash, hash)
  VALUES (now(), now(), :q, 'bench', :q, 'voucher.claim', 'voucher', :voucher, '', 'live',
    '{"batch": 1, "voucher_type": 1, "category": "digital_empowerment", "face_value": "1000.00"}'::jsonb,
    '127.0.0.1'::inet, ':prev', encode(sha256(convert_to(':prev' || :voucher, 'UTF8')), 'hex'));
RELEASE SAVEPOINT s1;
\endif
COMMIT;
