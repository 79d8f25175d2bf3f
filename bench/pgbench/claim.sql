-- The claim's transaction (vouchers/services/claims.py::_claim + audit.services.audit_record), statement for
-- statement as Django sends it (captured with a connection.execute_wrapper on one API claim): the fund FOR KEY
-- SHARE with the batch (its window read again in the same query), the conditional headroom UPDATE, the voucher
-- INSERT, the ledger INSERT, the audit append to the organisation's chain (audit_chain_heads locks that chain's head), and
-- last the conditional slot UPDATE of the voucher type — the hot row, held from there to COMMIT only.
-- Variables: -D year= fund= batch= vt= qmin= qmax=
\set q random(:qmin, :qmax)
\set chain :q % 16
BEGIN;
SELECT f.exhausted_at IS NULL, b.state, b.opens_at, b.closes_at FROM vouchers_fund f, vouchers_issuancebatch b
  WHERE f.year = :year AND b.id = :batch FOR KEY SHARE;
UPDATE vouchers_qualification SET reserved = reserved + 1000.00
  WHERE id = :q AND quota >= used + reserved + 1000.00 AND state = 'active';
INSERT INTO vouchers_voucher (organisation_id, qualification_id, batch_id, voucher_type_id, year, category, face_value,
    balance, expires_on, state, claimed_at, claimed_by_id, ended_at, end_reason)
  VALUES (:q, :q, :vt, :vt, :year, 'digital_empowerment', 1000.00, 1000.00, make_date(:year, 12, 31), 'live', now(),
    :q, NULL, '') RETURNING id AS voucher \gset
INSERT INTO vouchers_ledgerentry (kind, year, amount, organisation_id, fund_id, voucher_id, order_id, deduction_id,
    reference, memo, actor_id, business_time, recorded_at)
  VALUES ('claim', :year, 1000.00, :q, :fund, :voucher, NULL, NULL, '', '压测批次 领券', :q, now(), now());
-- audit_record: one round trip for the chain head (the Python side supplies the genesis of an empty chain)
SELECT got AS chain, coalesce(head, CASE WHEN got = 0 THEN repeat('0', 64)
         ELSE encode(sha256(convert_to('hangqifu.audit.chain:' || got, 'UTF8')), 'hex') END) AS prev
  FROM audit_chain_heads(ARRAY[:chain]) \gset
INSERT INTO audit_auditevent (occurred_at, business_time, actor_id, actor_username, organisation_id, action, object_type,
    object_id, from_state, to_state, payload, ip, prev_hash, hash, chain)
  VALUES (now(), now(), :q, 'bench', :q, 'voucher.claim', 'voucher', :voucher, '', 'live',
    '{"batch": 1, "voucher_type": 1, "category": "digital_empowerment", "face_value": "1000.00"}'::jsonb,
    '127.0.0.1'::inet, ':prev', encode(sha256(convert_to(':prev' || :voucher, 'UTF8')), 'hex'), :chain);
WITH s AS (UPDATE vouchers_vouchertype SET remaining = remaining - 1 WHERE id = :vt AND remaining > 0 RETURNING 1)
  SELECT count(*) AS slot FROM s \gset
\if :slot
COMMIT;
\else
ROLLBACK;
\endif
