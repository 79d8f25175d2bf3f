"""DRF endpoints of registration: applications (applications.py), qualifications and change reports
(qualifications.py), the dishonesty lists (credit_lists.py)."""
