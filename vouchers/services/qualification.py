"""The year's qualification (第八条 quota tiers) and staff measures on it: suspend, reinstate, revoke.

`used` is never written here: the voucher/deduction services maintain it with conditional updates."""
from django.db import IntegrityError, transaction

from audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.choices import Honour
from hangqifu.core.errors import InvalidInput, RuleViolation
from hangqifu.notifications.services import notify

from .. import permissions
from ..models import Qualification, RegistrationApplication, Tier
from ..selectors import eligibility
from .common import guard, page_url


def quota_for(*, year: int, tier: str):
    from hangqifu.policy.services import policy_for

    policy = policy_for(year)
    return {Tier.DEFAULT: policy.quota_default, Tier.TIER2: policy.quota_tier2, Tier.TIER3: policy.quota_tier3}[tier]


def qualification_year(registration: RegistrationApplication) -> int:
    """The year an approval qualifies for: the application's year, or the current business year when the
    decision comes later (API.md: "the qualification's year is the current year"); a re-review approved
    in December still qualifies for the next year it was opened for."""
    return max(registration.year, clock.current_year())


def confirmable_honours(*, registration: RegistrationApplication, honours: list[str]) -> list[str]:
    """Honours that need an outside list and are not on it (new_above_scale: the statistics bureau's list of
    the year before the qualification year) → Chinese reasons; empty when every honour can be confirmed."""
    problems = []
    last_year = qualification_year(registration) - 1
    if Honour.NEW_ABOVE_SCALE in honours and not eligibility.on_above_scale_list(registration.credit_code, last_year):
        problems.append(f"{Honour.NEW_ABOVE_SCALE.label}：未在统计部门 {last_year} 年度新升规工业企业名单中")
    return problems


def qualification_grant(*, actor, registration: RegistrationApplication, honours: list[str]) -> Qualification:
    """Create the qualification of an approved application (inside the approving transaction)."""
    problems = confirmable_honours(registration=registration, honours=honours)
    if problems:
        raise RuleViolation("；".join(problems) + "。请取消确认该称号后再认定", code="not_eligible",
                            fields={"confirmed_honours": problems})
    tier = eligibility.tier_for(honours)
    year = qualification_year(registration)
    quota = quota_for(year=year, tier=tier)
    try:
        with transaction.atomic():
            qualification = Qualification.objects.create(
                organisation=registration.organisation, year=year, kind=registration.kind, tier=tier,
                quota=quota, registration=registration, honours=honours)
    except IntegrityError as exc:
        raise RuleViolation(f"{registration.organisation} 已有 {year} 年度资格", code="duplicate_registration") from exc
    audit_record(actor=actor, action="qualification.grant", obj=qualification, to_state=qualification.state,
                 payload={"year": qualification.year, "tier": tier, "quota": quota, "honours": honours,
                          "registration": registration.pk})
    notify(subject=f"{qualification.year} 年度服务券资格已认定", url=page_url("vouchers:my-qualification"),
           organisation=qualification.organisation,
           body=f"档次：{qualification.get_tier_display()}，年度额度 {quota} 元。账号已激活，可在发放批次开放时领取服务券。")
    return qualification


def _lock(qualification) -> Qualification:
    return Qualification.objects.select_for_update().select_related("organisation").get(pk=qualification.pk)


def _reason_required(reason) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写理由", fields={"reason": ["请填写理由"]})
    return reason


def _change_state(*, actor, qualification, transition_name: str, reason: str, subject: str, denied: str,
                  wrong_state: str) -> Qualification:
    qualification = _lock(qualification)
    transition = getattr(qualification, transition_name)
    guard(transition, allowed=permissions.is_reviewer(actor), denied=denied, wrong_state=wrong_state)
    reason = _reason_required(reason)
    from_state = qualification.state
    transition()
    qualification.state_reason = reason
    qualification.save(update_fields=["state", "state_reason", "updated_at"])
    audit_record(actor=actor, action=f"qualification.{transition_name}", obj=qualification, from_state=from_state,
                 to_state=qualification.state, payload={"reason": reason})
    notify(subject=subject.format(year=qualification.year), body=f"理由：{reason}",
           url=page_url("vouchers:my-qualification"), organisation=qualification.organisation)
    return qualification


def _void_vouchers(*, actor, qualification, reason: str) -> None:
    """Issue 6: the holder's live vouchers of that year are voided in the same transaction (ledger entries,
    quota released), after _change_state has locked the qualification row."""
    from .expiry import qualification_vouchers_void

    qualification_vouchers_void(qualification=qualification, actor=actor, reason=reason)


# Suspension and revocation withdraw the claim/use rights (第九条). The voucher services (issue 6) extend
# qualification_suspend / qualification_revoke by voiding the holder's claimed vouchers of that year in the
# same transaction, right after _change_state (the qualification row is then locked first, as STYLE.md's
# lock order needs).

@transaction.atomic
def qualification_suspend(*, actor, qualification, reason: str) -> Qualification:
    qualification = _change_state(actor=actor, qualification=qualification, transition_name="suspend",
                                  reason=reason, subject="{year} 年度服务券资格已暂停",
                                  denied="只有市工信服务中心可以暂停资格", wrong_state="只有有效的资格可以暂停")
    _void_vouchers(actor=actor, qualification=qualification, reason=f"年度资格被暂停（{reason.strip()}）")
    return qualification


@transaction.atomic
def qualification_reinstate(*, actor, qualification, reason: str) -> Qualification:
    return _change_state(actor=actor, qualification=qualification, transition_name="reinstate", reason=reason,
                         subject="{year} 年度服务券资格已恢复", denied="只有市工信服务中心可以恢复资格",
                         wrong_state="只有已暂停的资格可以恢复")


@transaction.atomic
def qualification_revoke(*, actor, qualification, reason: str) -> Qualification:
    qualification = _change_state(actor=actor, qualification=qualification, transition_name="revoke",
                                  reason=reason, subject="{year} 年度服务券资格已撤销",
                                  denied="只有市工信服务中心可以撤销资格", wrong_state="该资格已撤销")
    _void_vouchers(actor=actor, qualification=qualification, reason=f"年度资格被撤销（{reason.strip()}）")
    return qualification
