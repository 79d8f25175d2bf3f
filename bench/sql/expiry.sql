-- Year-end expiry by hand, the same effect as vouchers.services.expiry.vouchers_expire_due: every live voucher
-- past its validity (or of an ended year) gets one expiry ledger entry for its remaining balance, its holder's
-- `reserved` is released by that balance, the voucher gets its transition-log row (django-fsm-log, `expire`) and
-- ends expired with balance 0; one audit event.
-- psql variables: today (a quoted date), year.
BEGIN;
CREATE TEMP TABLE due ON COMMIT DROP AS
  SELECT id, year, balance, organisation_id, qualification_id FROM vouchers_voucher
  WHERE state = 'live' AND (expires_on < :today OR year < :year);
INSERT INTO vouchers_ledgerentry (kind, year, amount, organisation_id, fund_id, voucher_id, order_id, deduction_id,
    reference, memo, actor_id, business_time, recorded_at)
  SELECT 'expiry', d.year, d.balance, d.organisation_id, f.id, d.id, NULL, NULL, '', '有效期届满', NULL, now(), now()
  FROM due d LEFT JOIN vouchers_fund f ON f.year = d.year;
UPDATE vouchers_qualification q SET reserved = q.reserved - s.total
  FROM (SELECT qualification_id, sum(balance) AS total FROM due GROUP BY qualification_id) s
  WHERE q.id = s.qualification_id;
INSERT INTO django_fsm_log_statelog (timestamp, by_id, source_state, state, transition, content_type_id, object_id,
    description)
  SELECT now(), NULL, 'live', 'expired', 'expire',
         (SELECT id FROM django_content_type WHERE app_label = 'vouchers' AND model = 'voucher'), d.id, NULL
  FROM due d;
UPDATE vouchers_voucher v SET state = 'expired', balance = 0, ended_at = now(), end_reason = '有效期届满'
  FROM due d WHERE v.id = d.id;
INSERT INTO audit_auditevent (occurred_at, business_time, actor_username, action, object_type, object_id, from_state,
    to_state, payload, chain, prev_hash, hash)
  SELECT now(), now(), '', 'voucher.expire', '', '', '', '', jsonb_build_object('count', count(*)),
         0, repeat('0', 64), repeat('0', 64) FROM due;
COMMIT;
