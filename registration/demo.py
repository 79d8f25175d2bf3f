"""Demo data (seed_demo). Registration: demo-enterprise and demo-park hold approved
qualifications of the business year (enterprise: innovative SME → tier 2; park: default), and one more
enterprise's application waits for the service center's pre-review. Everything goes through the services."""
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from hangqifu.accounts.models import Organisation, User
from hangqifu.accounts.roles import Role
from hangqifu.accounts.services import user_create
from hangqifu.accounts.validators import make_credit_code
from hangqifu.core import clock
from hangqifu.core.choices import District, Honour, Industry, Sector
from hangqifu.core.demo import DEMO_PASSWORD
from hangqifu.documents.samples import simple_pdf

from .models import HolderKind, ParkRecognition, RegistrationApplication
from .selectors.eligibility import REQUIRED_DOCUMENTS
from .services import registration as services, review as review_services


ENTERPRISE_DATA = {"established_on": date(2018, 3, 15), "industry": Industry.SOFTWARE_IT,
                   "sector": Sector.DIGITAL_ECONOMY, "employees": 86, "revenue": Decimal("23500000.00"),
                   "total_assets": Decimal("18000000.00"), "independent_legal_person": True,
                   "contact_name": "张三", "contact_phone": "0571-85012345"}


def _register(*, user, data, honours=(), reviewer=None, approve=True):
    year = clock.current_year()
    existing = RegistrationApplication.objects.filter(organisation=user.organisation, year=year).first()
    if existing is not None:
        return existing
    registration = services.registration_create(actor=user, **data, honours=list(honours))
    for kind in REQUIRED_DOCUMENTS[registration.kind]:
        services.registration_document_add(actor=user, registration=registration, kind=kind,
                                           uploaded_file=SimpleUploadedFile(f"{kind}.pdf", simple_pdf(kind)))
    for honour in honours:
        services.registration_document_add(actor=user, registration=registration, kind="honour_evidence",
                                           honour=honour, uploaded_file=SimpleUploadedFile(
                                               f"{honour}.pdf", simple_pdf(honour)))
    services.registration_submit(actor=user, registration=registration)
    if approve:
        review_services.registration_pre_review(actor=reviewer, registration=registration, passed=True,
                                                opinion="材料齐全，符合条件")
        review_services.registration_approve(actor=reviewer, registration=registration, opinion="同意认定")
    return registration


def seed(ctx):
    users = ctx["users"]
    reviewer = users[Role.SERVICE_CENTER.value]
    enterprise, park = users[Role.ENTERPRISE.value], users[Role.PARK.value]
    year = clock.current_year()
    ParkRecognition.objects.get_or_create(
        credit_code=park.organisation.credit_code, recognised_on=date(2024, 1, 10),
        defaults={"park_name": "杭州示范数字经济小微企业园", "operator_name": park.organisation.name,
                  "star_level": "四星级", "valid_until": date(year + 2, 12, 31)})
    _register(user=enterprise, data={"kind": HolderKind.ENTERPRISE, **ENTERPRISE_DATA},
              honours=[Honour.INNOVATIVE_SME], reviewer=reviewer)
    _register(user=park, data={"kind": HolderKind.PARK, "established_on": date(2016, 6, 1),
                               "contact_name": "李四", "contact_phone": "0571-86666666"}, reviewer=reviewer)

    organisation, _ = Organisation.objects.get_or_create(
        name="杭州示范精密制造有限公司", kind=Organisation.Kind.ENTERPRISE,
        defaults={"credit_code": make_credit_code("91330110MA2H00009"), "district": District.YUHANG,
                  "contact_name": "王五", "contact_phone": "0571-89999999"})
    applicant = User.objects.filter(username="demo-registrant").first() or user_create(
        username="demo-registrant", password=DEMO_PASSWORD, role=Role.ENTERPRISE, organisation=organisation,
        email="demo-registrant@example.com", validate_password=False)
    _register(user=applicant, approve=False, data={
        "kind": HolderKind.ENTERPRISE, "established_on": date(2020, 9, 1), "industry": Industry.INDUSTRY,
        "sector": Sector.MANUFACTURING, "employees": 45, "revenue": Decimal("12600000.00"), "total_assets": Decimal("9800000.00"),
        "independent_legal_person": True, "contact_name": "王五", "contact_phone": "0571-89999999"})
    ctx.setdefault("accounts", []).append(("demo-registrant", "中小微企业（注册申请待预审）"))
