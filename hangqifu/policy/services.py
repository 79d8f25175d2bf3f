from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, NotFound, RuleViolation

from .models import PolicyYear

EDITABLE_FIELDS = [
    "quota_default", "quota_tier2", "quota_tier3", "deduction_ratio", "provider_annual_cap",
    "change_report_working_days", "notice_working_days", "review_working_days", "complaint_working_days",
    "dissatisfaction_threshold",
    "dissatisfaction_min_ratings", "provider_min_years", "provider_min_cases", "provider_min_revenue",
    "provider_min_staff", "enterprise_min_years", "sanction_ban_years", "rereview_opens_on", "policy_basis",
]


def policy_for(year: int | None = None) -> PolicyYear:
    """The parameters in force for `year` (default: the business clock's year)."""
    year = year or clock.current_year()
    policy = PolicyYear.objects.filter(year=year).first()
    if policy is None:
        raise NotFound(f"{year} 年度政策参数尚未设置", code="policy_year_missing")
    return policy


# --- 第二十二条: the measures are in force from policy_valid_from to policy_valid_until -------------------
# New qualifications, batches, claims, orders and deductions need the day of the act inside the period;
# redemption, settlement and payment of what was deducted inside it go on after it ends. The bounds are
# stored on every year's row (a later text may change them); a missing bound leaves that side open.

def policy_period(on: date | None = None) -> tuple[date | None, date | None] | None:
    """(valid_from, valid_until) recorded for the year of `on` (else the nearest year recorded); None when no
    year's parameters exist at all."""
    on = on or clock.today()
    rows = PolicyYear.objects.values_list("year", "policy_valid_from", "policy_valid_until")
    row = rows.filter(year=on.year).first() or rows.filter(year__lt=on.year).order_by("-year").first() \
        or rows.order_by("year").first()
    return None if row is None else (row[1], row[2])


def policy_in_force(on: date | None = None) -> bool:
    period = policy_period(on)
    if period is None:
        return False
    on = on or clock.today()
    valid_from, valid_until = period
    return (valid_from is None or valid_from <= on) and (valid_until is None or on <= valid_until)


def _period_label(period) -> str:
    valid_from, valid_until = period or (None, None)
    start = f"自 {valid_from:%Y年%-m月%-d日}起施行" if valid_from else "已施行"
    end = f"，有效期至 {valid_until:%Y年%-m月%-d日}" if valid_until else ""
    return f"《杭州市中小微企业服务券管理办法》{start}{end}（第二十二条）"


def assert_policy_in_force(*, action: str, on: date | None = None) -> None:
    """Refuse (409 `policy_not_in_force`) an act of the programme on a day outside the policy's period."""
    on = on or clock.today()
    if not policy_in_force(on):
        raise RuleViolation(f"{_period_label(policy_period(on))}，{on:%Y年%-m月%-d日}不在有效期内，不能{action}",
                            code="policy_not_in_force")


def year_in_force(year: int) -> bool:
    """Whether any day of `year` lies inside the policy's period."""
    period = policy_period(date(year, 1, 1))
    if period is None:
        return False
    valid_from, valid_until = period
    return (valid_from is None or valid_from.year <= year) and (valid_until is None or year <= valid_until.year)


def assert_year_in_force(*, year: int, action: str) -> None:
    """Refuse a qualification or batch for a year that lies wholly outside the policy's period."""
    if not year_in_force(year):
        raise RuleViolation(f"{_period_label(policy_period(date(year, 1, 1)))}，{year} 年度不在有效期内，不能{action}",
                            code="policy_not_in_force")


@transaction.atomic
def policy_update(*, actor, year: int, changes: dict) -> PolicyYear:
    policy = PolicyYear.objects.select_for_update().filter(year=year).first()
    if policy is None:
        raise NotFound(f"{year} 年度政策参数尚未设置")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput("包含不可修改的字段", fields={f: ["不可修改"] for f in unknown})
    before = {f: getattr(policy, f) for f in changes}
    for field, value in changes.items():
        setattr(policy, field, value)
    try:
        policy.full_clean()
    except ValidationError as exc:
        raise InvalidInput("参数超出允许范围", fields=exc.message_dict) from exc
    policy._change_reason = f"由 {actor.username} 修改"
    policy.save()
    audit_record(actor=actor, action="policy.update", obj=policy,
                 payload={"before": before, "after": {f: getattr(policy, f) for f in changes}})
    return policy
