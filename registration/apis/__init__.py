"""DRF endpoints of registration: applications, qualifications and change reports (registration.py), the dishonesty
lists (credit_lists.py)."""
