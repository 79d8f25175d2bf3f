"""Admin of registration: applications and qualifications (registration.py), the dishonesty lists (credit_lists.py)."""
from . import credit_lists, registration  # noqa: F401
