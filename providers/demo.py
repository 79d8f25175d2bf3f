"""Demo data (seed_demo): demo-provider (西湖区) admitted in an earlier round with listed products in four
categories; in the current open round one application waits for pre-review and one, pre-reviewed, is
assigned to demo-expert. Products and the current round's applications go through the services."""
import struct
import zlib
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from hangqifu.accounts.models import Organisation, User
from hangqifu.accounts.roles import Role
from hangqifu.accounts.services import user_create
from hangqifu.accounts.validators import make_credit_code
from hangqifu.core import clock
from hangqifu.core.choices import District, ServiceCategory
from hangqifu.core.demo import DEMO_PASSWORD
from hangqifu.documents.services import document_store

from . import services
from .models import Product, ProviderApplication, ProviderProfile, SelectionRound
from .models.applications import APPLICATION_DOCUMENT_KINDS, REQUIRED_APPLICATION_DOCUMENTS, ApplicationProduct

ANNOUNCEMENT = ("一、申报条件：依法登记纳税、独立法人、成立满两年、上年度营业收入不低于300万元、社保在册专业服务人员不少于5人、"
                "每个服务产品上年度服务杭州中小微企业或园区成功案例不少于3个（以当年度政策参数为准）。\n"
                "二、申报材料：营业执照、资质证书、信用证明、产品信息及上年度案例清单与证明、上年度审计报告、纳税证明、"
                "纳税信用等级证明、社保缴纳证明、入驻承诺书。\n"
                "三、评审安排：市工信服务中心形式预审后组织专家或第三方机构评审，市经信局确认后公示。")

DEMO_PRODUCTS = [
    (ServiceCategory.DIGITAL_EMPOWERMENT, "中小企业数字化转型诊断", "现场调研生产经营全流程，评估数字化水平，提出分阶段改造路线图。",
     "诊断报告、改造路线图各一份", 30, "30000.00", "30000.00"),
    (ServiceCategory.MANAGEMENT_CONSULTING, "精益生产管理咨询", "现场诊断、精益培训、两条产线的改善辅导。",
     "诊断报告、改善方案、培训记录", 60, "48000.00", "50000.00"),
    (ServiceCategory.INTELLECTUAL_PROPERTY, "专利布局与挖掘", "技术交底梳理、专利检索分析、专利布局规划与申请文件撰写指导。",
     "专利布局报告、3件专利申请文件", 45, "18000.00", "18000.00"),
    (ServiceCategory.FINANCE_TAX_AUDIT, "财税合规体检", "账务规范性检查、税务风险识别、整改建议。",
     "财税体检报告", 20, "12000.00", "12500.00"),
]

APPLICANTS = [  # username, organisation name, credit code body, district, categories, expert assigned, phone
    ("demo-applicant", "杭州示范管理咨询有限公司", "91330105MA2H00011", District.GONGSHU,
     [ServiceCategory.MANAGEMENT_CONSULTING, ServiceCategory.TALENT], False, "0571-88231001"),
    ("demo-applicant2", "杭州示范知识产权代理有限公司", "91330108MA2H00012", District.BINJIANG,
     [ServiceCategory.INTELLECTUAL_PROPERTY], True, "0571-86890202"),
]


# The pre-reviewer's notes on the 第十四条 items that need judgement, as a service-center reviewer writes them.
DEMO_JUDGEMENTS = {
    "premises": {"met": True, "note": "营业执照住所与房屋租赁合同（至次年12月）一致"},
    "licences": {"met": True, "note": "申报产品不涉及前置许可；资质证书在有效期内"},
    "serves_smes": {"met": True, "note": "案例清单所列客户均为杭州中小微企业，审计报告客户结构相符"},
}


def _png() -> bytes:
    """A small valid PNG standing in for a scanned document (a blank 8×8 page)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff" * 8 for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _scan(name):
    return SimpleUploadedFile(f"{name}.png", _png(), content_type="image/png")


def _rounds():
    now = clock.now()
    year = clock.current_year()
    past, _ = SelectionRound.objects.get_or_create(
        title=f"{year}年第一批服务机构遴选", defaults={
            "year": year, "announcement": ANNOUNCEMENT, "opens_at": now - timedelta(days=120),
            "closes_at": now - timedelta(days=90)})
    current = SelectionRound.objects.filter(opens_at__lte=now, closes_at__gt=now).first()
    if current is None:
        current = SelectionRound.objects.create(
            title=f"{year}年第二批服务机构遴选", year=year, announcement=ANNOUNCEMENT,
            opens_at=now - timedelta(days=10), closes_at=now + timedelta(days=50))
    return past, current


def _admit_demo_provider(user, past, center):
    organisation = user.organisation
    if ProviderProfile.objects.filter(organisation=organisation).exists():
        return
    # Admitted in an earlier round (its notice long closed): the records that admission left behind.
    application = ProviderApplication.objects.create(
        organisation=organisation, round=past, applicant=user, name=organisation.name,
        credit_code=organisation.credit_code, established_on=clock.today().replace(year=clock.today().year - 6),
        district=District.XIHU, revenue=Decimal("8600000.00"), professional_staff=23, cases_last_year=64,
        categories=[p[0].value for p in DEMO_PRODUCTS], state=ProviderApplication.State.ADMITTED,
        submitted_at=past.opens_at + timedelta(days=3), admitted_at=past.closes_at + timedelta(days=20),
        pre_review_opinion="材料齐全", decision_opinion="同意入选",
        condition_checks={key: {**entry, "checked_by_name": center.username,
                                "checked_at": (past.opens_at + timedelta(days=5)).isoformat()}
                          for key, entry in DEMO_JUDGEMENTS.items()})
    # What it applied with, so its checklist reads as the admission found it: every product with its cases of
    # last year, and the 第十五条 materials on file.

    for (category, title, description, deliverables, days, price, basis), cases in zip(
            DEMO_PRODUCTS, (14, 9, 21, 11), strict=True):
        ApplicationProduct.objects.create(application=application, category=category, title=title,
                                          description=description, deliverables=deliverables, duration_days=days,
                                          price=price, last_year_average_price=basis, cases_last_year=cases)
    for kind in REQUIRED_APPLICATION_DOCUMENTS:
        document_store(owner=application, kind=kind, uploaded_file=_scan(kind), actor=user,
                       allowed_kinds=list(APPLICATION_DOCUMENT_KINDS))
    ProviderProfile.objects.create(organisation=organisation, district=District.XIHU, categories=application.categories,
                                   round=past, application=application, admitted_at=application.admitted_at)
    for category, title, description, deliverables, days, price, basis in DEMO_PRODUCTS:
        product = services.product_create(actor=user, category=category, title=title, description=description,
                                          deliverables=deliverables, duration_days=days, price=price,
                                          last_year_average_price=basis)
        # proposed in the admission application, so selected with the provider (as application_admit records)
        Product.objects.filter(pk=product.pk).update(awaiting_selection=False, selection_round=past,
                                                     selected_at=application.admitted_at)
        services.product_evidence_add(actor=user, product=product, uploaded_file=_scan("price-basis"))
        services.product_submit(actor=user, product=product)
        services.product_approve(actor=center, product=product, opinion="定价依据充分，同意上架")
    # one product added after admission: it joins the current round's selection, pre-reviewed by the center
    product = services.product_create(actor=user, category=ServiceCategory.DIGITAL_EMPOWERMENT,
                                      title="工业互联网平台上云辅导", description="设备联网评估、上云方案与实施辅导。",
                                      deliverables="上云方案、实施报告", duration_days=40, price="26000.00",
                                      last_year_average_price="25000.00")
    services.product_evidence_add(actor=user, product=product, uploaded_file=_scan("price-basis"))
    services.product_submit(actor=user, product=product)
    services.product_selection_pre_review(actor=center, product=product, opinion="定价依据齐全，纳入本批次评审")


def _applicant(username, name, code_body, district, phone):
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    organisation = Organisation.objects.create(kind=Organisation.Kind.PROVIDER, name=name, district=district,
                                               credit_code=make_credit_code(code_body), contact_name="赵敏",
                                               contact_phone=phone)
    return user_create(username=username, password=DEMO_PASSWORD, role=Role.PROVIDER, organisation=organisation,
                       email=f"{username}@example.com", validate_password=False)


def _apply(user, current, district, categories, *, center=None, expert=None):
    if ProviderApplication.objects.filter(organisation=user.organisation, round=current).exists():
        return
    organisation = user.organisation
    application = services.application_create(
        actor=user, round=current, name=organisation.name, credit_code=organisation.credit_code,
        established_on=clock.today().replace(year=clock.today().year - 4), district=district,
        revenue=Decimal("4200000.00"), professional_staff=9, cases_last_year=17, categories=categories,
        products=[{"category": c, "title": f"{ServiceCategory(c).label}标准化服务包", "description": "调研、方案、实施辅导",
                   "deliverables": "服务报告", "duration_days": 30, "price": "20000.00",
                   "last_year_average_price": "19000.00", "cases_last_year": 5} for c in categories])
    for kind in REQUIRED_APPLICATION_DOCUMENTS:
        services.application_document_add(actor=user, application=application, kind=kind, uploaded_file=_scan(kind))
    services.application_submit(actor=user, application=application)
    if expert is not None:
        services.application_pre_review(actor=center, application=application, passed=True, opinion="材料齐全",
                                         judgements=DEMO_JUDGEMENTS)
        services.experts_assign(actor=center, application=application, experts=[expert.pk])


def seed(ctx):
    users = ctx["users"]
    center, expert = users[Role.SERVICE_CENTER.value], users[Role.EXPERT.value]
    past, current = _rounds()
    _admit_demo_provider(users[Role.PROVIDER.value], past, center)
    for username, name, code_body, district, categories, assign, phone in APPLICANTS:
        user = _applicant(username, name, code_body, district, phone)
        _apply(user, current, district, [c.value for c in categories], center=center,
               expert=expert if assign else None)
        ctx.setdefault("accounts", []).append((username, "服务机构（入驻申请中）"))
