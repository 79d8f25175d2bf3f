"""DRF endpoints of the vouchers app, one module per domain (registration.py: registration and qualification)."""
