"""vouchers models. Registration and qualification live in registration.py, qualification.py and
reference.py; funds, batches, vouchers and orders get their own modules and are re-exported here too."""
from .qualification import ChangeReport, Qualification, SuspensionCause
from .reference import AboveScaleEntry, CreditDelisting, CreditListEntry, ParkRecognition, SizeClass, SizeThreshold
from .registration import HolderKind, RegistrationApplication, RegistrationDocumentKind, Tier

# the money core (after Qualification, which they reference)
from .funds import Fund, IssuanceBatch, VoucherType  # noqa: E402
from .ledger import LedgerEntry  # noqa: E402
from .orders import Deduction, Order, Satisfaction  # noqa: E402
from .vouchers import Voucher  # noqa: E402

__all__ = [
    "AboveScaleEntry", "ChangeReport", "CreditDelisting", "CreditListEntry", "SuspensionCause", "HolderKind", "ParkRecognition", "Qualification",
    "RegistrationApplication", "RegistrationDocumentKind", "SizeClass", "SizeThreshold", "Tier",
    "Deduction", "Fund", "IssuanceBatch", "LedgerEntry", "Order", "Satisfaction", "Voucher", "VoucherType",
]
