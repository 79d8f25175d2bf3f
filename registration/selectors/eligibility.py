"""The rules of 第六条 as reads: size classification (MIIT standard), operating years, the credit lists,
park recognition, and the formal pre-review checklist the platform computes for the reviewer."""
import calendar
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Exists, Q
from django.utils import timezone

from hangqifu.core import clock
from hangqifu.core.choices import TIER2_HONOURS, TIER3_HONOURS, Honour, Industry, Sector
from hangqifu.core.errors import RuleViolation
from hangqifu.core.money import fmt
from hangqifu.documents.selectors import documents_for
from hangqifu.policy.services import policy_for

from ..models import (
    AboveScaleEntry,
    CreditListEntry,
    HolderKind,
    ParkRecognition,
    RegistrationApplication,
    RegistrationDocumentKind,
    SizeClass,
    SizeThreshold,
    Tier,
)

D = RegistrationDocumentKind
REQUIRED_DOCUMENTS = {
    # 第九条: enterprise — licence; last-year revenue, tax and social-insurance proof, size commitment letter;
    # credit proof. Park — licence, credit proof, park-operator proof.
    HolderKind.ENTERPRISE: [D.BUSINESS_LICENCE, D.REVENUE_PROOF, D.TAX_PROOF, D.SOCIAL_INSURANCE_PROOF,
                            D.SIZE_COMMITMENT_LETTER, D.CREDIT_PROOF],
    HolderKind.PARK: [D.BUSINESS_LICENCE, D.CREDIT_PROOF, D.PARK_OPERATOR_PROOF],
}
# (our reading) At the annual re-review the business licence checked last year still stands; every
# yearly proof must be current.
CARRIED_OVER_AT_REREVIEW = frozenset({D.BUSINESS_LICENCE})
HONOURS_FOR_KIND = {
    HolderKind.ENTERPRISE: [Honour.NEW_ABOVE_SCALE, Honour.INNOVATIVE_SME, Honour.PROVINCIAL_SRDI,
                            Honour.PROVINCIAL_HIDDEN_CHAMPION, Honour.NATIONAL_LITTLE_GIANT],
    HolderKind.PARK: [Honour.PROVINCIAL_SRDI_PARK, Honour.HIGH_STAR_PARK],
}
ELIGIBLE_SECTORS = frozenset({Sector.MANUFACTURING, Sector.DIGITAL_ECONOMY})
WAN = Decimal("10000")


def allowed_document_kinds(kind: str) -> list[str]:
    kinds = list(REQUIRED_DOCUMENTS[kind])
    return [*kinds, D.HONOUR_EVIDENCE]


def tier_for(honours) -> str:
    honours = set(honours or [])
    if honours & TIER3_HONOURS:
        return Tier.TIER3
    if honours & TIER2_HONOURS:
        return Tier.TIER2
    return Tier.DEFAULT


# --- size classification -----------------------------------------------------------------------------

@dataclass(frozen=True)
class SizeResult:
    size_class: str | None  # None: the data needed is missing or no standard is in force
    explanation: str


def _thresholds(industry: str, on: date) -> list[SizeThreshold]:
    version = (SizeThreshold.objects.filter(industry=industry, effective_from__lte=on)
               .order_by("-effective_from").values_list("effective_from", flat=True).first())
    if version is None:
        return []
    return list(SizeThreshold.objects.filter(industry=industry, effective_from=version))


def _reaches(row: SizeThreshold, employees, revenue, total_assets) -> bool:
    return ((row.employees_min is None or employees >= row.employees_min)
            and (row.revenue_min is None or revenue >= row.revenue_min)
            and (row.total_assets_min is None or total_assets >= row.total_assets_min))


def _describe(row: SizeThreshold) -> str:
    parts = []
    if row.employees_min is not None:
        parts.append(f"从业人员≥{row.employees_min}人")
    if row.revenue_min is not None:
        parts.append(f"营业收入≥{fmt(row.revenue_min / WAN)}万元")
    if row.total_assets_min is not None:
        parts.append(f"资产总额≥{fmt(row.total_assets_min / WAN)}万元")
    return "且".join(parts)


def classify_size(*, industry: str, employees, revenue, total_assets, on: date | None = None) -> SizeResult:
    """Size class by the standard in force on `on`: the largest class whose minimums are all reached."""
    on = on or clock.today()
    if not industry:
        return SizeResult(None, "未填写所属行业，无法划型")
    rows = {row.size_class: row for row in _thresholds(industry, on)}
    if not rows:
        return SizeResult(None, f"{Industry(industry).label}在 {on} 没有施行中的划型标准")
    needed = {"employees": any(r.employees_min is not None for r in rows.values()),
              "revenue": any(r.revenue_min is not None for r in rows.values()),
              "total_assets": any(r.total_assets_min is not None for r in rows.values())}
    values = {"employees": employees, "revenue": revenue, "total_assets": total_assets}
    missing = [name for name, need in needed.items() if need and values[name] is None]
    if missing:
        labels = {"employees": "从业人员", "revenue": "营业收入", "total_assets": "资产总额"}
        return SizeResult(None, "划型所需数据缺失：" + "、".join(labels[m] for m in missing))
    employees = employees or 0
    revenue = revenue if revenue is not None else Decimal(0)
    total_assets = total_assets if total_assets is not None else Decimal(0)
    source = next(iter(rows.values())).source
    facts = [f"从业人员{employees}人"] if needed["employees"] else []
    if needed["revenue"]:
        facts.append(f"营业收入{fmt(revenue / WAN)}万元")
    if needed["total_assets"]:
        facts.append(f"资产总额{fmt(total_assets / WAN)}万元")
    basis = f"按{source}，{Industry(industry).label}，{('、'.join(facts))}"
    for size_class in (SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL):
        row = rows.get(size_class)
        if row is not None and _reaches(row, employees, revenue, total_assets):
            return SizeResult(size_class, f"{basis}，达到{size_class.label}标准（{_describe(row)}），划为{size_class.label}")
    small = rows.get(SizeClass.SMALL)
    below = f"（未达到小型企业标准：{_describe(small)}）" if small else ""
    return SizeResult(SizeClass.MICRO, f"{basis}{below}，划为微型企业")


# --- operating years, lists, park recognition -----------------------------------------------------------

def anniversary(start: date, years: int) -> date:
    """`start` plus whole years; 29 February falls back to the month's last day (民法典第二百零三条)."""
    year = start.year + years
    day = min(start.day, calendar.monthrange(year, start.month)[1])
    return date(year, start.month, day)


def operating_years_met(established_on: date | None, on: date, min_years: int) -> bool:
    return established_on is not None and anniversary(established_on, min_years) <= on


# 第六条: a party on the severe-dishonesty or the judgment-defaulter list is excluded. The one rule every check
# calls — registration approval, claim, order, deduction, redemption approval, settlement and payment, the
# provider's credit condition — is "listed on day D": an entry with listed_on ≤ D < removed_on (or no
# removed_on). Checks ask it for the day of the act, so an entry imported later applies from then on.

def listed_entries(on: date):
    """The list entries in force on `on` (a queryset, also for set-based statements: `Exists(...)`)."""
    return CreditListEntry.objects.filter(listed_on__lte=on).filter(Q(removed_on__isnull=True) | Q(removed_on__gt=on))


def credit_list_hits(credit_code: str | None, on: date) -> list[CreditListEntry]:
    """The entries naming `credit_code` in force on `on` (empty: not listed)."""
    if not credit_code:
        return []
    return list(listed_entries(on).filter(credit_code=credit_code).order_by("listed_on", "list_kind"))


def is_listed(credit_code: str | None, on: date) -> bool:
    """The predicate: is this credit code on a dishonesty list in force on `on`?"""
    return bool(credit_code) and listed_entries(on).filter(credit_code=credit_code).exists()


def listed_on_day(credit_code_ref, on: date) -> Exists:
    """The same predicate as an SQL expression, for the statement that moves money:
    `.filter(~listed_on_day(OuterRef("organisation__credit_code"), today))` or with a literal code."""
    return Exists(listed_entries(on).filter(credit_code=credit_code_ref))


def describe_hits(hits: list[CreditListEntry]) -> str:
    return "；".join(f"已列入{h.get_list_kind_display()}（{h.listed_on} 列入）" for h in hits)


def assert_not_listed(credit_code: str | None, *, on: date, party: str = "您") -> None:
    """Refuse (409 `credit_listed`) when the credit code is listed on `on`."""
    hits = credit_list_hits(credit_code, on)
    if hits:
        raise RuleViolation(
            f"{party}{describe_hits(hits)}，按《杭州市中小微企业服务券管理办法》第六条不在支持范围；"
            "信用修复并经市工信服务中心登记移出名单后方可办理", code="credit_listed",
            fields={"credit_code": [describe_hits(hits)]})


def park_recognition(credit_code: str, on: date) -> ParkRecognition | None:
    return (ParkRecognition.objects.filter(credit_code=credit_code, recognised_on__lte=on, valid_until__gte=on)
            .order_by("-valid_until").first())


def on_above_scale_list(credit_code: str, year: int) -> bool:
    """On the statistics bureau's list of enterprises newly above scale in `year`."""
    return AboveScaleEntry.objects.filter(credit_code=credit_code, year=year).exists()


# --- the checklist ------------------------------------------------------------------------------------

@dataclass
class ChecklistItem:
    key: str
    label: str
    passed: bool
    explanation: str
    overridden: bool = False
    override_reason: str = ""
    computed_passed: bool = field(default=False)

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def overridable(self) -> bool:
        return self.key not in NOT_OVERRIDABLE


CHECK_LABELS = {
    "documents": "申报材料齐全、格式有效",
    "operating_years": "成立并经营满规定年限",
    "legal_person": "具有独立法人资格",
    "sector": "属于制造业或数字经济领域",
    "sme_size": "符合中小微企业划型标准",
    "credit_lists": "未列入严重失信主体名单和失信被执行人名单",
    "park_recognition": "为认定的省级小微企业园且在认定有效期内",
}


# Items a reviewer may judge and pass with a reason. A list hit is not one of them: only a documented delisting
# (信用修复, registration.services.credit_lists) lifts it.
NOT_OVERRIDABLE = frozenset({"credit_lists"})


def check_keys(kind: str) -> list[str]:
    if kind == HolderKind.PARK:
        return ["documents", "park_recognition", "credit_lists"]
    return ["documents", "operating_years", "legal_person", "sector", "sme_size", "credit_lists"]


def missing_documents(registration: RegistrationApplication) -> list[str]:
    """Labels of the required documents not yet uploaded (incl. evidence for each claimed honour)."""

    present = set(documents_for(registration).values_list("kind", flat=True))
    if registration.purpose == RegistrationApplication.Purpose.REREVIEW and registration.previous_qualification_id:
        previous = registration.previous_qualification.registration
        if previous is not None:
            present |= set(documents_for(previous).filter(kind__in=CARRIED_OVER_AT_REREVIEW)
                           .values_list("kind", flat=True))
    missing = [D(kind).label for kind in REQUIRED_DOCUMENTS[registration.kind] if kind not in present]
    evidence_ids = set(documents_for(registration, D.HONOUR_EVIDENCE).values_list("pk", flat=True))
    for honour in registration.honours or []:
        linked = set(registration.honour_evidence.get(honour, []))
        if not linked & evidence_ids:
            missing.append(f"{D.HONOUR_EVIDENCE.label}（{Honour(honour).label}）")
    return missing


def compute_checklist(registration: RegistrationApplication, *, on: date | None = None,
                      policy=None, overrides: dict | None = None) -> list[ChecklistItem]:
    """Each check of the formal pre-review with a Chinese explanation; `overrides` ({key: {"passed",
    "reason"}}, default: those stored on the application) replace a computed result."""

    on = on or (timezone.localdate(registration.submitted_at) if registration.submitted_at else clock.today())
    policy = policy or policy_for(registration.year)
    overrides = registration.checklist_overrides if overrides is None else overrides
    r = registration
    results: dict[str, tuple[bool, str]] = {}
    for key in check_keys(r.kind):
        if key == "documents":
            missing = missing_documents(r)
            results[key] = (not missing, "缺少：" + "、".join(missing) if missing
                            else "所需材料均已上传，且通过格式（PDF/JPG/PNG 内容识别）校验")
        elif key == "operating_years":
            years = policy.enterprise_min_years
            if r.established_on is None:
                results[key] = (False, "未填写成立日期")
            else:
                due = anniversary(r.established_on, years)
                ok = due <= on
                results[key] = (ok, f"成立于 {r.established_on}，至 {on} " +
                                (f"已满 {years} 年" if ok else f"未满 {years} 年（{due} 起满 {years} 年）"))
        elif key == "legal_person":
            results[key] = (r.independent_legal_person, "申请人已声明具有独立法人资格" if r.independent_legal_person
                            else "申请人未声明具有独立法人资格")
        elif key == "sector":
            ok = r.sector in ELIGIBLE_SECTORS
            label = Sector(r.sector).label if r.sector else "未填写"
            results[key] = (ok, f"产业领域：{label}" + ("" if ok else "，不属于制造业或数字经济"))
        elif key == "sme_size":
            size = classify_size(industry=r.industry, employees=r.employees, revenue=r.revenue,
                                 total_assets=r.total_assets, on=on)
            ok = size.size_class in (SizeClass.MEDIUM, SizeClass.SMALL, SizeClass.MICRO)
            results[key] = (ok, size.explanation + ("" if ok or size.size_class is None else "，大型企业不在支持范围"))
        elif key == "credit_lists":
            # Always the lists in force today, whatever day the other items are read for (第六条).
            listed_day = clock.today()
            hits = credit_list_hits(r.credit_code, listed_day)
            results[key] = (not hits, describe_hits(hits)
                            or f"截至 {listed_day} 未在已导入的严重失信主体名单和失信被执行人名单中")
        elif key == "park_recognition":
            park = park_recognition(r.credit_code, on)
            results[key] = ((True, f"{park.park_name}，认定于 {park.recognised_on}，有效期至 {park.valid_until}")
                            if park else (False, f"截至 {on} 未在小微企业园认定名单中，或认定已过有效期"))
    items = []
    for key, (passed, explanation) in results.items():
        item = ChecklistItem(key=key, label=CHECK_LABELS[key], passed=passed, explanation=explanation,
                             computed_passed=passed)
        override = overrides.get(key) if key not in NOT_OVERRIDABLE else None
        if override:
            item.passed = bool(override.get("passed"))
            item.overridden = True
            item.override_reason = override.get("reason", "")
        items.append(item)
    return items
