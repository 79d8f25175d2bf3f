"""Admin of the vouchers app, one module per domain (registration.py: issue 4)."""
from . import credit_lists, funds, registration  # noqa: F401  (funds: issue 6, the money core)
