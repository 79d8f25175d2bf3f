-- Settlement by hand, the same collect, notice and disbursement steps as redemption.services.settlement and
-- .disbursement, written as set-based SQL: the baseline bench/settlement.py times in the same run.
-- Collect: approved claims up to the period's end, not held, of providers neither banned nor on a credit list,
-- move into the batch with their provider's district, one FSM log row and one audit event each. Notice: one
-- item per claim (labelled as the app labels it), one notification per provider, closed with every item
-- cleared. Disbursement: one order per district, one payment line per provider, the claims linked to their
-- line, one ledger redemption entry per claim line, one notification per payment line.
-- Audit digests: each event's own sha256, and a distinct stand-in for the previous digest (the app chains each
-- digest to the one before, which a set-based statement cannot do; the hashing work is the same).
-- psql variables: today and period_end (quoted dates), year, center, bureau, finance (user ids).
\set ON_ERROR_STOP on
BEGIN;  -- open and close: the batch, then collect
INSERT INTO redemption_settlementbatch (year, sequence, period_start, period_end, announcement, state, created_at,
    closed_at, task_total, task_done, created_by_id)
  VALUES (:year, 1, :period_end::date - 30, :period_end, '', 'collecting', now(), now(), 0, 0, :center)
  RETURNING id AS batch \gset
CREATE TEMP TABLE moved (id bigint, provider_id bigint, settlement_district varchar(20)) ON COMMIT DROP;
WITH picked AS (
    UPDATE redemption_redemptionclaim c SET state = 'in_settlement', batch_id = :batch, settlement_district = o.district
    FROM accounts_organisation o
    WHERE o.id = c.provider_id AND c.state = 'approved' AND c.batch_id IS NULL AND NOT c.under_investigation
      AND (c.approved_at AT TIME ZONE 'Asia/Shanghai')::date <= :period_end
      AND NOT EXISTS (SELECT 1 FROM audit_sanction s WHERE s.organisation_id = c.provider_id AND s.state = 'active'
                      AND s.starts_on <= :today AND s.ends_on >= :today)
      AND NOT EXISTS (SELECT 1 FROM vouchers_creditlistentry e WHERE e.credit_code = o.credit_code
                      AND e.listed_on <= :today AND (e.removed_on IS NULL OR e.removed_on > :today))
    RETURNING c.id, c.provider_id, c.settlement_district)
INSERT INTO moved SELECT * FROM picked;
ANALYZE moved;  -- fresh rows: without statistics the planner expects none and nests its joins
INSERT INTO django_fsm_log_statelog (timestamp, by_id, source_state, state, transition, content_type_id, object_id,
    description)
  SELECT now(), NULL, 'approved', 'in_settlement', 'enter_settlement',
         (SELECT id FROM django_content_type WHERE app_label = 'redemption' AND model = 'redemptionclaim'), id, NULL
  FROM moved;
INSERT INTO audit_auditevent (occurred_at, business_time, actor_username, action, object_type, object_id, from_state,
    to_state, payload, organisation_id, chain, prev_hash, hash)
  SELECT now(), now(), '', 'settlement.collect_claim', 'redemption.redemptionclaim', id::text, 'approved',
         'in_settlement', jsonb_build_object('batch', :batch, 'district', settlement_district), provider_id, 0,
         encode(sha256(convert_to('collect:' || id::text, 'UTF8')), 'hex'),
         encode(sha256(convert_to(id::text || provider_id::text || settlement_district || now()::text, 'UTF8')), 'hex')
  FROM moved ORDER BY id;
UPDATE redemption_settlementbatch SET state = 'collected', task_total = (SELECT count(*) FROM moved),
    task_done = (SELECT count(*) FROM moved) WHERE id = :batch;
COMMIT;

BEGIN;  -- approve, then publish the notice: one item per claim, one notification per provider's users
UPDATE redemption_settlementbatch SET state = 'approved', approved_at = now(), approved_by_id = :bureau WHERE id = :batch;
INSERT INTO notices_publicnotice (kind, title, body, state, working_days, published_at, closes_at, window_provisional,
    created_at, created_by_id)
  VALUES ('settlement', :year || ' 年第 1 批服务券兑付公示', '', 'published', 5, now(), now() + interval '7 days', false,
          now(), :bureau)
  RETURNING id AS notice \gset
INSERT INTO notices_noticeitem (notice_id, content_type_id, object_id, label, state)
  SELECT :notice, (SELECT id FROM django_content_type WHERE app_label = 'redemption' AND model = 'redemptionclaim'),
         c.id::text,
         left(o.name || '：兑付申请 DF' || extract(year FROM c.created_at AT TIME ZONE 'UTC')::int::text
              || CASE WHEN c.id < 1000000 THEN lpad(c.id::text, 6, '0') ELSE c.id::text END
              || '，核定兑付 ' || to_char(c.verified_amount, 'FM999,999,999,990.00') || ' 元', 300), 'listed'
  FROM redemption_redemptionclaim c JOIN accounts_organisation o ON o.id = c.provider_id
  WHERE c.batch_id = :batch ORDER BY o.name, c.id;
INSERT INTO notifications_notification (subject, body, url, created_at, user_id)
  SELECT '已进入公示：' || :year || ' 年第 1 批服务券兑付公示（贵机构 ' || n || ' 项）', '', '/notices/' || :notice || '/',
         now(), u.id
  FROM (SELECT provider_id, count(*) AS n FROM redemption_redemptionclaim WHERE batch_id = :batch GROUP BY 1) p
  JOIN accounts_user u ON u.organisation_id = p.provider_id AND u.is_active;
UPDATE redemption_settlementbatch SET state = 'in_notice', notice_id = :notice WHERE id = :batch;
ANALYZE redemption_redemptionclaim, notices_noticeitem;
COMMIT;

BEGIN;  -- the notice closes without objection: every item cleared, the batch continues to signing
UPDATE notices_publicnotice SET state = 'closed_clear', closed_at = now() WHERE id = :notice;
UPDATE notices_noticeitem SET state = 'cleared', decided_at = now() WHERE notice_id = :notice AND state = 'listed';
UPDATE redemption_settlementbatch SET state = 'notice_closed' WHERE id = :batch;
COMMIT;

BEGIN;  -- two signatures, then the disbursement orders: per district an order, per provider a payment line
UPDATE redemption_settlementbatch SET state = 'issuing', bureau_signed_at = now(), bureau_signed_by_id = :bureau,
    finance_signed_at = now(), finance_signed_by_id = :finance WHERE id = :batch;
INSERT INTO redemption_disbursementorder (district, year, sequence, total, provider_count, claim_count, issued_at, pdf,
    batch_id)
  SELECT settlement_district, :year, row_number() OVER (ORDER BY settlement_district), sum(verified_amount),
         count(DISTINCT provider_id), count(*), now(), '', :batch
  FROM redemption_redemptionclaim WHERE batch_id = :batch GROUP BY settlement_district;
INSERT INTO redemption_districtpayment (district, amount, claim_count, state, reference, failure_reason, failure_count,
    disbursement_order_id, provider_id, batch_id)
  SELECT c.settlement_district, sum(c.verified_amount), count(*), 'pending', '', '', 0, d.id, c.provider_id, :batch
  FROM redemption_redemptionclaim c
  JOIN redemption_disbursementorder d ON d.batch_id = :batch AND d.district = c.settlement_district
  WHERE c.batch_id = :batch GROUP BY c.settlement_district, d.id, c.provider_id;
ANALYZE redemption_disbursementorder, redemption_districtpayment;
UPDATE redemption_redemptionclaim c SET payment_id = p.id
  FROM redemption_districtpayment p
  WHERE c.batch_id = :batch AND p.batch_id = :batch AND p.provider_id = c.provider_id
    AND p.district = c.settlement_district;
INSERT INTO vouchers_ledgerentry (year, amount, organisation_id, fund_id, voucher_id, order_id, deduction_id, reference,
    kind, memo, actor_id, business_time, recorded_at)
  SELECT d.year, l.verified_amount, c.provider_id, d.fund_id, d.voucher_id, l.order_id, l.deduction_id,
         'DF' || extract(year FROM c.created_at AT TIME ZONE 'UTC')::int::text
         || CASE WHEN c.id < 1000000 THEN lpad(c.id::text, 6, '0') ELSE c.id::text END,
         'redemption', '杭经信兑〔' || o.year || '〕' || o.sequence || '号 兑付', NULL, now(), now()
  FROM redemption_claimline l
  JOIN redemption_redemptionclaim c ON c.id = l.claim_id
  JOIN vouchers_deduction d ON d.id = l.deduction_id
  JOIN redemption_districtpayment p ON p.id = c.payment_id
  JOIN redemption_disbursementorder o ON o.id = p.disbursement_order_id
  WHERE c.batch_id = :batch ORDER BY o.id, l.id;
INSERT INTO audit_auditevent (occurred_at, business_time, actor_username, action, object_type, object_id, from_state,
    to_state, payload, chain, prev_hash, hash)
  SELECT now(), now(), '', 'settlement.disbursement_issue', 'redemption.disbursementorder', id::text, '', '',
         jsonb_build_object('district', district, 'total', total, 'claims', claim_count), 0,
         encode(sha256(convert_to('issue:' || id::text, 'UTF8')), 'hex'),
         encode(sha256(convert_to(id::text || district || total::text || now()::text, 'UTF8')), 'hex')
  FROM redemption_disbursementorder WHERE batch_id = :batch;
INSERT INTO notifications_notification (subject, body, url, created_at, user_id)
  SELECT :year || ' 年第 1 批服务券兑付已下达拨付', '将通过亲清在线向贵机构支付 ' || to_char(p.amount, 'FM999,999,999,990.00') || ' 元。',
         '/redemption/claims/', now(), u.id
  FROM redemption_districtpayment p JOIN accounts_user u ON u.organisation_id = p.provider_id AND u.is_active
  WHERE p.batch_id = :batch;
UPDATE redemption_settlementbatch SET state = 'disbursed', task_total = 13, task_done = 13 WHERE id = :batch;
COMMIT;
