"""vouchers models. Registration and qualification (issue 4) live in registration.py, qualification.py and
reference.py; funds, batches, vouchers and orders get their own modules and are re-exported here too."""
from .qualification import ChangeReport, Qualification
from .reference import AboveScaleEntry, CreditListEntry, ParkRecognition, SizeClass, SizeThreshold
from .registration import HolderKind, RegistrationApplication, RegistrationDocumentKind, Tier

__all__ = [
    "AboveScaleEntry", "ChangeReport", "CreditListEntry", "HolderKind", "ParkRecognition", "Qualification",
    "RegistrationApplication", "RegistrationDocumentKind", "SizeClass", "SizeThreshold", "Tier",
]
