"""Redemption services: redemption_claims.py (file, pre-review, approve), cap.py (第十二条 annual cap), settlement.py
(batches, notice, signatures) with the steps its tasks run — collection.py, notice_conclusion.py, disbursement.py
(disbursement orders) — payments.py (district payments), bulk.py, objections.py."""
