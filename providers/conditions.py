"""第十四条 admission conditions, as pre-review and the bureau's confirmation apply them.

Two kinds of condition:
- hard conditions read from the application's figures and the imported dishonesty lists — years since
  establishment, last year's revenue, professional staff with social insurance, each product's Hangzhou
  SME/park cases, credit. A failed one refuses pre-review and confirmation, naming the failing items.
- judgement items the figures cannot show — fixed premises, licences and service qualifications, serving
  mainly SMEs. The service-center reviewer ticks each at pre-review with a note of the evidence read
  (the 第十五条 materials); confirmation requires all three ticked.

The dishonesty lists are kept by the registration app (a floor above this one). It registers the lookup here:
a module `<app>/provider_conditions.py` defining

    @credit_list_source
    def credit_hits(credit_code, on) -> list[str]: ...   # the entries in force on `on`, described in Chinese

Without a registered source the credit condition fails (nothing is assumed clean)."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from hangqifu.core import clock
from hangqifu.core.choices import ServiceCategory
from hangqifu.core.errors import InvalidInput, RuleViolation
from hangqifu.documents.selectors import documents_for
from hangqifu.policy.services import policy_for

from .models.applications import APPLICATION_DOCUMENT_KINDS, REQUIRED_APPLICATION_DOCUMENTS

HARD_CONDITIONS = ("established", "revenue", "staff", "cases", "credit")

# key → (label, what the reviewer checks and in which material)
JUDGEMENT_ITEMS = {
    "premises": ("固定经营场所", "核对营业执照住所、房产证明或租赁合同，与实际经营地址一致"),
    "licences": ("经营许可与服务资质", "申报产品所需的经营许可、执业资格或服务资质齐全且在有效期内"),
    "serves_smes": ("服务对象以中小微企业为主", "核对案例清单与审计报告：上年度服务对象以中小微企业、小微企业园为主"),
}

_CREDIT_SOURCES: list[Callable] = []


def credit_list_source(fn):
    if fn not in _CREDIT_SOURCES:
        _CREDIT_SOURCES.append(fn)
    return fn


def credit_hits(credit_code: str, on: date) -> list[str] | None:
    """The dishonesty-list entries naming `credit_code` on `on`, described; None when no list is registered."""
    autodiscover_modules("provider_conditions")
    if not _CREDIT_SOURCES:
        return None
    return [hit for source in _CREDIT_SOURCES for hit in source(credit_code, on)]


@dataclass(frozen=True)
class CheckItem:
    key: str
    label: str
    requirement: str
    value: str
    passed: bool

    @property
    def hard(self) -> bool:
        return self.key in HARD_CONDITIONS

    def refusal(self) -> str:
        return f"{self.label}：{self.value}（要求：{self.requirement}）"


def anniversary(start: date, years: int) -> date:
    """`start` plus whole years; 29 February falls to 28 February (the month's last day, 民法典第二百零三条)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def application_day(application) -> date:
    """The day the 第十四条 figures are read for: the submission day (the figures are what was declared then);
    an unsubmitted draft is read for today."""
    return timezone.localdate(application.submitted_at) if application.submitted_at else clock.today()


def application_checklist(application, *, documents=None, on: date | None = None) -> list[CheckItem]:
    """Every 第十四条 condition with the round year's thresholds; credit is read from the lists in force on
    `on` (default today: the day of the act that asks)."""
    policy = policy_for(application.round.year)
    on = on or clock.today()
    founded_by = anniversary(application.established_on, policy.provider_min_years)
    products = list(application.products.all())
    min_cases = policy.provider_min_cases
    if products:
        cases_value = "；".join(f"{p.title} {p.cases_last_year} 个" for p in products)
        cases_passed = all(p.cases_last_year >= min_cases for p in products)
    else:
        cases_value, cases_passed = f"{application.cases_last_year} 个（未申报产品）", False
    categories_ok = bool(application.categories) and all(c in ServiceCategory.values for c in application.categories) \
        and all(p.category in ServiceCategory.values for p in products)
    if documents is None:
        documents = list(documents_for(application))
    present = {d.kind for d in documents}
    missing = [APPLICATION_DOCUMENT_KINDS[k] for k in REQUIRED_APPLICATION_DOCUMENTS if k not in present]
    hits = credit_hits(application.credit_code, on)
    if hits is None:
        credit_value = "无法核验：未接入失信名单"
    elif hits:
        credit_value = "；".join(hits)
    else:
        credit_value = f"{on.isoformat()} 未列入严重失信主体名单、失信被执行人名单"
    day = application_day(application)
    return [
        CheckItem("established", "成立年限", f"成立满 {policy.provider_min_years} 年（{founded_by.isoformat()} 起）",
                  f"{application.established_on.isoformat()} 成立，申请日 {day.isoformat()}", founded_by <= day),
        CheckItem("revenue", "上年度营业收入", f"不低于 {policy.provider_min_revenue:,.2f} 元",
                  f"{application.revenue:,.2f} 元", application.revenue >= policy.provider_min_revenue),
        CheckItem("staff", "专业服务人员（社保）", f"不少于 {policy.provider_min_staff} 人",
                  f"{application.professional_staff} 人", application.professional_staff >= policy.provider_min_staff),
        CheckItem("cases", "每个产品上年度杭州中小微企业/园区成功案例", f"每个产品不少于 {min_cases} 个",
                  cases_value, cases_passed),
        CheckItem("credit", "信用状况", "近三年无严重失信、未列入失信被执行人名单（按导入的名单核验）",
                  credit_value, hits == []),
        CheckItem("categories", "服务类别", "在服务券支持的十类服务范围内",
                  "、".join(ServiceCategory(c).label if c in ServiceCategory.values else c
                           for c in application.categories) or "未填写", categories_ok),
        CheckItem("materials", "申请材料（第十五条）", "材料齐全",
                  "齐全" if not missing else "缺少：" + "、".join(missing), not missing),
    ]


def hard_failures(application, *, on: date, documents=None) -> list[CheckItem]:
    return [item for item in application_checklist(application, documents=documents, on=on)
            if item.hard and not item.passed]


def assert_hard_conditions(application, *, on: date, act: str) -> None:
    """Refuse `act` (409 `admission_conditions_unmet`) naming every failed hard condition."""
    failed = hard_failures(application, on=on, documents=[])
    if failed:
        raise RuleViolation(
            f"{application.name}不符合《杭州市中小微企业服务券管理办法》第十四条入驻条件，不能{act}："
            + "；".join(item.refusal() for item in failed),
            code="admission_conditions_unmet", fields={item.key: [item.refusal()] for item in failed})


@dataclass(frozen=True)
class JudgementItem:
    key: str
    label: str
    guidance: str
    checked: bool
    note: str
    checked_by: str
    checked_at: str


def judgement_items(application) -> list[JudgementItem]:
    recorded = application.condition_checks or {}
    items = []
    for key, (label, guidance) in JUDGEMENT_ITEMS.items():
        entry = recorded.get(key) or {}
        items.append(JudgementItem(key, label, guidance, bool(entry.get("met")), entry.get("note", ""),
                                   entry.get("checked_by_name", ""), entry.get("checked_at", "")))
    return items


def clean_judgements(judgements, *, actor) -> dict:
    """The reviewer's ticks at a passing pre-review: every item ticked met, each with a note of the evidence."""
    judgements = judgements if isinstance(judgements, dict) else {}
    errors = {}
    checks = {}
    for key, (label, _) in JUDGEMENT_ITEMS.items():
        entry = judgements.get(key) or {}
        met = entry.get("met") is True
        note = str(entry.get("note") or "").strip()
        if not met:
            errors[key] = [f"{label}：须核验并勾选符合，不符合的请退回补正或驳回"]
        elif not note:
            errors[key] = [f"{label}：请填写核验说明（依据的材料）"]
        else:
            checks[key] = {"met": True, "note": note[:500], "checked_by": actor.pk,
                           "checked_by_name": actor.get_full_name() or actor.username,
                           "checked_at": clock.now().isoformat()}
    if errors:
        raise InvalidInput("须逐项核验第十四条需人工判断的条件并填写说明", code="judgement_missing", fields=errors)
    return checks


def assert_judgements_recorded(application) -> None:
    missing = [item.label for item in judgement_items(application) if not (item.checked and item.note)]
    if missing:
        raise RuleViolation(f"{application.name}的第十四条人工核验项未完成（{'、'.join(missing)}），不能确认入选",
                            code="admission_conditions_unmet",
                            fields={"judgements": [f"{label}：未核验" for label in missing]})
