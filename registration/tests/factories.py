"""Registration test helpers: applications built through the services, in any state."""
from datetime import date
from decimal import Decimal

from hangqifu.accounts.roles import Role
from hangqifu.documents.tests.factories import pdf_upload
from registration.models import HolderKind, ParkRecognition, RegistrationApplication
from registration.selectors.eligibility import REQUIRED_DOCUMENTS
from registration.services import registration as services
from registration.services import review as review_services

NOW = "2026-06-01T09:00:00+08:00"

ENTERPRISE_DATA = {
    "kind": "enterprise", "established_on": date(2019, 5, 1), "industry": "software_it", "sector": "digital_economy",
    "employees": 50, "revenue": "8000000.00", "total_assets": "5000000.00", "district": "xihu",
    "independent_legal_person": True,
}
PARK_DATA = {"kind": "park", "established_on": date(2015, 1, 1), "district": "yuhang"}


def data_for(user, **overrides) -> dict:
    """The application's fields as an API body would carry them (amounts as strings)."""
    base = dict(ENTERPRISE_DATA if user.role == Role.ENTERPRISE else PARK_DATA)
    base.update(name=user.organisation.name, credit_code=user.organisation.credit_code)
    base.update(overrides)
    return base


def fields_for(user, **overrides) -> dict:
    """The same fields parsed, as the form or the serializer hands them to the services (amounts as Decimal)."""
    return {name: Decimal(value) if name in ("revenue", "total_assets") and isinstance(value, str) else value
            for name, value in data_for(user, **overrides).items()}


def upload_all(user, registration, *, skip=()):
    for kind in REQUIRED_DOCUMENTS[registration.kind]:
        if kind not in skip:
            services.registration_document_add(actor=user, registration=registration, kind=kind,
                                               uploaded_file=pdf_upload(f"{kind}.pdf"))
    for honour in registration.honours:
        services.registration_document_add(actor=user, registration=registration, kind="honour_evidence",
                                           honour=honour, uploaded_file=pdf_upload(f"{honour}.pdf"))


def recognise_park(user, *, recognised_on=date(2024, 1, 1), valid_until=date(2027, 12, 31)):
    return ParkRecognition.objects.create(credit_code=user.organisation.credit_code, park_name="测试小微企业园",
                                          recognised_on=recognised_on, valid_until=valid_until)


def make_registration(user, *, state="draft", reviewer=None, honours=(), confirmed_honours=None, **overrides):
    """An application of `user`'s organisation in `state`, driven through the services."""
    registration = services.registration_create(actor=user, **fields_for(user, honours=list(honours), **overrides))
    if state == "draft":
        return registration
    if registration.kind == HolderKind.PARK and not ParkRecognition.objects.filter(
            credit_code=registration.credit_code).exists():
        recognise_park(user)
    upload_all(user, registration)
    services.registration_submit(actor=user, registration=registration)
    if state == "submitted":
        return _fresh(registration)
    if state in ("returned", "rejected") and reviewer:
        action = review_services.registration_return if state == "returned" else review_services.registration_reject
        action(actor=reviewer, registration=registration, opinion="材料不清晰")
        return _fresh(registration)
    review_services.registration_pre_review(actor=reviewer, registration=registration, passed=True, opinion="")
    if state == "pre_reviewed":
        return _fresh(registration)
    review_services.registration_approve(actor=reviewer, registration=registration, confirmed_honours=confirmed_honours)
    return _fresh(registration)


def _fresh(registration):
    return RegistrationApplication.objects.get(pk=registration.pk)
