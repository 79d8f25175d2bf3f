from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, NotFound

from .models import PolicyYear

EDITABLE_FIELDS = [
    "quota_default", "quota_tier2", "quota_tier3", "deduction_ratio", "provider_annual_cap",
    "change_report_working_days", "notice_working_days", "review_working_days", "complaint_working_days",
    "dissatisfaction_threshold",
    "dissatisfaction_min_ratings", "provider_min_years", "provider_min_cases", "provider_min_revenue",
    "provider_min_staff", "enterprise_min_years", "sanction_ban_years", "rereview_opens_on",
]


def policy_for(year: int | None = None) -> PolicyYear:
    """The parameters in force for `year` (default: the business clock's year)."""
    year = year or clock.current_year()
    policy = PolicyYear.objects.filter(year=year).first()
    if policy is None:
        raise NotFound(f"{year} 年度政策参数尚未设置", code="policy_year_missing")
    return policy


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
