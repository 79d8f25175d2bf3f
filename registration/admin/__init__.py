"""Admin of registration: applications (applications.py), qualifications and change reports (qualifications.py),
the reference lists (reference_lists.py) and the dishonesty lists (credit_lists.py)."""
from . import applications, credit_lists, qualifications, reference_lists  # noqa: F401
