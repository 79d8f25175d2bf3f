"""Redemption services: claims.py (file, pre-review, approve), cap.py (第十二条 annual cap), settlement.py
(batches, notice, signatures, disbursement orders), payments.py (district payments), ledger.py (checks)."""
