"""Admin of the vouchers app, one module per domain (registration.py: registration and qualification)."""
from . import credit_lists, funds, registration  # noqa: F401  (funds: the money core)
