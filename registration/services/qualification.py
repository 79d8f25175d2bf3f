"""The year's qualification (第八条 quota tiers) and staff measures on it: suspend, reinstate, revoke.

`used` is never written here: the voucher/deduction services maintain it with conditional updates."""
from django.db import IntegrityError, transaction

from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.choices import Honour
from hangqifu.core.errors import InvalidInput, RuleViolation
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire, transition_check
from hangqifu.policy.services import assert_policy_in_force, assert_year_in_force, policy_for

from ..holdings import holdings_void, live_holdings
from ..models import Qualification, RegistrationApplication, SuspensionCause, Tier
from ..selectors import eligibility
from .common import page_url


def quota_for(*, year: int, tier: str):
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


def assert_may_qualify(*, registration: RegistrationApplication, submitting: bool = False) -> None:
    """A new qualification needs the policy in force (第二十二条) and the applicant on no dishonesty list on the
    day of the decision (第六条). Submitting needs only that the year can still be qualified."""

    if submitting:
        assert_year_in_force(year=registration.year, action="提交注册认定申请")
        return
    assert_policy_in_force(action="认定服务券资格")
    assert_year_in_force(year=qualification_year(registration), action="认定该年度服务券资格")
    eligibility.assert_not_listed(registration.credit_code, on=clock.today(), party=registration.name)


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
    notify(subject=f"{qualification.year} 年度服务券资格已认定", url=page_url("registration:my-qualification"),
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
                  wrong_state: str, cause: str = "", body: str = "", by_rule: bool = False) -> Qualification:
    """`by_rule`: the platform acts on a rule (a list import, a reported change), whoever triggered it."""
    qualification = _lock(qualification)
    transition_check(qualification, transition_name, actor=actor, system=by_rule, denied=denied,
                     wrong_state=wrong_state)
    reason = _reason_required(reason)
    frozen, balance = live_holdings(qualification)
    fire(qualification, transition_name, actor=actor, system=by_rule, action=f"qualification.{transition_name}",
         changes={"state_reason": reason, "suspension_cause": cause}, organisation=qualification.organisation,
         payload={"reason": reason, "cause": cause, "live_vouchers": frozen, "live_balance": balance})
    notify(subject=subject.format(year=qualification.year), body=f"理由：{reason}。{body.format(n=frozen, s=balance)}",
           url=page_url("registration:my-qualification"), organisation=qualification.organisation)
    return qualification


# Suspension and revocation withdraw the claim/use rights (第九条). Suspension freezes: the holder's live
# vouchers stay live with their balances reserved, but no claim or deduction passes while the qualification
# is not active — the claim's and the deduction's conditional UPDATEs require `state = 'active'` (and the
# qualification row lock orders them against the suspension). Reinstatement within the vouchers' validity
# makes them usable again; expiry and an exhausted fund end them as usual. Only revocation voids them.

FROZEN_NOTE = "已领取的 {n} 张服务券（余额合计 {s} 元）冻结，暂停期间不能领券、下单或抵扣，恢复资格后在有效期内可继续使用。"


def suspend(*, actor, qualification, reason: str, cause: str) -> Qualification:
    """Suspend inside the caller's transaction (staff, a list import, a change report)."""
    return _change_state(actor=actor, qualification=qualification, transition_name="suspend", reason=reason,
                         cause=cause, by_rule=cause != SuspensionCause.STAFF, subject="{year} 年度服务券资格已暂停", body=FROZEN_NOTE,
                         denied="只有市工信服务中心可以暂停资格", wrong_state="只有有效的资格可以暂停")


def reinstate(*, actor, qualification, reason: str, by_rule: bool = False) -> Qualification:
    """Reinstate inside the caller's transaction; refused while the holder is on a dishonesty list."""
    qualification = _lock(qualification)
    eligibility.assert_not_listed(qualification.organisation.credit_code, on=clock.today(),
                                  party=f"{qualification.organisation.name}")
    return _change_state(actor=actor, qualification=qualification, transition_name="reinstate", reason=reason,
                         subject="{year} 年度服务券资格已恢复", body="{n} 张未过期的服务券已恢复可用（余额合计 {s} 元）。",
                         by_rule=by_rule, denied="只有市工信服务中心可以恢复资格", wrong_state="只有已暂停的资格可以恢复")


@transaction.atomic
def qualification_suspend(*, actor, qualification, reason: str) -> Qualification:
    return suspend(actor=actor, qualification=qualification, reason=reason, cause=SuspensionCause.STAFF)


@transaction.atomic
def qualification_reinstate(*, actor, qualification, reason: str) -> Qualification:
    current = _lock(qualification)
    if current.state == Qualification.State.SUSPENDED and current.suspension_cause == SuspensionCause.CREDIT_LIST:
        raise RuleViolation("该资格因列入失信名单暂停，须登记信用修复（移出名单）后恢复", code="credit_listed")
    if current.state == Qualification.State.SUSPENDED and current.suspension_cause == SuspensionCause.CHANGE_REPORT:
        raise RuleViolation("该资格因变更报告暂停，请在核查变更报告时作出恢复或撤销决定", code="invalid_transition")
    return reinstate(actor=actor, qualification=current, reason=reason)


@transaction.atomic
def qualification_revoke(*, actor, qualification, reason: str) -> Qualification:
    qualification = _change_state(actor=actor, qualification=qualification, transition_name="revoke",
                                  reason=reason, subject="{year} 年度服务券资格已撤销",
                                  body="已领取的服务券随之作废。",
                                  denied="只有市工信服务中心可以撤销资格", wrong_state="该资格已撤销")
    # Revocation voids the holder's live vouchers in the same transaction (ledger entries, quota released),
    # after _change_state has locked the qualification row (lock order qualification → voucher).
    holdings_void(qualification=qualification, actor=actor, reason=f"年度资格被撤销（{reason.strip()}）")
    return qualification
