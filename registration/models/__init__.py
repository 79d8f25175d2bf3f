"""Registration and qualification: applications (registration.py), the year's qualification and change reports
(qualification.py), and the reference lists the pre-review checks against (reference.py). The tables keep the
names they had when this lived in the vouchers app (Meta.db_table)."""
from .qualification import ChangeReport, Qualification, SuspensionCause
from .reference import AboveScaleEntry, CreditDelisting, CreditListEntry, ParkRecognition, SizeClass, SizeThreshold
from .registration import HolderKind, RegistrationApplication, RegistrationDocumentKind, Tier

__all__ = [
    "AboveScaleEntry", "ChangeReport", "CreditDelisting", "CreditListEntry", "HolderKind", "ParkRecognition",
    "Qualification", "RegistrationApplication", "RegistrationDocumentKind", "SizeClass", "SizeThreshold",
    "SuspensionCause", "Tier",
]
