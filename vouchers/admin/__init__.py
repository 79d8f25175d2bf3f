"""Admin of the vouchers app, one module per domain (registration.py: issue 4)."""
from . import registration  # noqa: F401
