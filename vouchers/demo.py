"""Demo data (seed_demo). Registration (issue 4): demo-enterprise and demo-park hold approved
qualifications of the business year (enterprise: innovative SME → tier 2; park: default), and one more
enterprise's application waits for the service center's pre-review. Everything goes through the services."""
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from hangqifu.accounts.models import Organisation, User
from hangqifu.accounts.roles import Role
from hangqifu.accounts.services import user_create
from hangqifu.accounts.validators import make_credit_code
from hangqifu.core import clock
from hangqifu.core.choices import District, Honour, Industry, Sector
from hangqifu.core.demo import DEMO_PASSWORD

from .models import HolderKind, ParkRecognition, RegistrationApplication
from .selectors.eligibility import REQUIRED_DOCUMENTS


def demo_pdf(title: str) -> bytes:
    """A small valid one-page PDF (with its cross-reference table) standing in for a scanned document."""
    text = title.encode("ascii", "replace")
    stream = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


ENTERPRISE_DATA = {"established_on": date(2018, 3, 15), "industry": Industry.SOFTWARE_IT,
                   "sector": Sector.DIGITAL_ECONOMY, "employees": 86, "revenue": "23500000.00",
                   "total_assets": "18000000.00", "independent_legal_person": True,
                   "contact_name": "张三", "contact_phone": "0571-88888888"}


def _register(*, user, data, honours=(), reviewer=None, approve=True):
    from .services import registration as services

    year = clock.current_year()
    existing = RegistrationApplication.objects.filter(organisation=user.organisation, year=year).first()
    if existing is not None:
        return existing
    registration = services.registration_create(actor=user, data={**data, "honours": list(honours)})
    for kind in REQUIRED_DOCUMENTS[registration.kind]:
        services.registration_document_add(actor=user, registration=registration, kind=kind,
                                           uploaded_file=SimpleUploadedFile(f"{kind}.pdf", demo_pdf(kind)))
    for honour in honours:
        services.registration_document_add(actor=user, registration=registration, kind="honour_evidence",
                                           honour=honour, uploaded_file=SimpleUploadedFile(
                                               f"{honour}.pdf", demo_pdf(honour)))
    services.registration_submit(actor=user, registration=registration)
    if approve:
        services.registration_pre_review(actor=reviewer, registration=registration, passed=True,
                                         opinion="材料齐全，符合条件")
        services.registration_approve(actor=reviewer, registration=registration, opinion="同意认定")
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
    applicant = User.objects.filter(username="demo-applicant").first() or user_create(
        username="demo-applicant", password=DEMO_PASSWORD, role=Role.ENTERPRISE, organisation=organisation,
        email="demo-applicant@example.com", validate_password=False)
    _register(user=applicant, approve=False, data={
        "kind": HolderKind.ENTERPRISE, "established_on": date(2020, 9, 1), "industry": Industry.INDUSTRY,
        "sector": Sector.MANUFACTURING, "employees": 45, "revenue": "12600000.00", "total_assets": "9800000.00",
        "independent_legal_person": True, "contact_name": "王五", "contact_phone": "0571-89999999"})
    ctx.setdefault("accounts", []).append(("demo-applicant", "中小微企业（注册申请待预审）"))
