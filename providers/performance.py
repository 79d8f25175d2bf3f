"""Performance evaluation (第十六、十七条) and the nightly removal proposals.

Orders live in the order workflow (vouchers). It feeds this module through a registered source: a module
`<app>/performance.py` defining

    @order_stats_source
    def provider_stats(*, year, organisation_ids) -> dict[int, ProviderYearStats]: ...

from its rated orders of that year. Without a registered source no order-based proposal is made (nothing
is guessed); staff proposals work regardless."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.module_loading import autodiscover_modules

from hangqifu.core import clock
from hangqifu.policy.services import policy_for

from .models import ProviderProfile, Removal, RemovalReason
from .services import removal_propose

_SOURCES: list[Callable] = []


@dataclass(frozen=True)
class ProviderYearStats:
    organisation_id: int
    year: int
    order_count: int = 0
    rated_count: int = 0
    satisfied_count: int = 0  # satisfied + basically satisfied
    dissatisfied_count: int = 0
    last_voucher_order_on: date | None = None  # the latest order of this provider that took a voucher deduction

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return Decimal(self.satisfied_count) / self.rated_count if self.rated_count else None

    @property
    def dissatisfaction_rate(self) -> Decimal | None:
        return Decimal(self.dissatisfied_count) / self.rated_count if self.rated_count else None


def order_stats_source(fn):
    if fn not in _SOURCES:
        _SOURCES.append(fn)
    return fn


def collect_stats(*, year: int, organisation_ids: list[int]) -> dict[int, ProviderYearStats] | None:
    autodiscover_modules("performance")
    if not _SOURCES:
        return None
    stats: dict[int, ProviderYearStats] = {}
    for source in _SOURCES:
        stats.update(source(year=year, organisation_ids=organisation_ids))
    return stats


def _one_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day - timedelta(days=365)


def dissatisfaction_rule(policy) -> str:
    """第十七条五 as the year's parameters apply it, for every page that shows a provider's evaluation."""
    return (f"{policy.year} 年度评价满 {policy.dissatisfaction_min_ratings} 次起，年度累计不满意率达 "
            f"{policy.dissatisfaction_threshold:.0%} 及以上的，启动清退程序（第十七条第五项）")


def removal_grounds(*, profile: ProviderProfile, stats: ProviderYearStats | None, policy, today: date) -> list[tuple]:
    """The 第十七条 grounds the figures show: (reason, details, evidence)."""
    grounds = []
    stats = stats or ProviderYearStats(organisation_id=profile.organisation_id, year=today.year)
    rate = stats.dissatisfaction_rate
    if rate is not None and stats.rated_count >= policy.dissatisfaction_min_ratings \
            and rate >= policy.dissatisfaction_threshold:
        grounds.append((RemovalReason.DISSATISFACTION,
                        f"{stats.year} 年度评价 {stats.rated_count} 次，其中不满意 {stats.dissatisfied_count} 次，"
                        f"不满意率 {rate:.1%}，达到 {policy.dissatisfaction_threshold:.0%} 的清退阈值。",
                        {"year": stats.year, "rated": stats.rated_count, "dissatisfied": stats.dissatisfied_count,
                         "rate": str(rate.quantize(Decimal("0.001")))}))
    year_ago = _one_year_before(today)
    last = stats.last_voucher_order_on
    if profile.admitted_at.date() <= year_ago and (last is None or last <= year_ago):
        grounds.append((RemovalReason.NO_ORDERS_FOR_A_YEAR,
                        f"自 {(last or profile.admitted_at.date()).isoformat()} 起连续一年未产生服务券订单。",
                        {"year": stats.year, "last_voucher_order_on": last.isoformat() if last else None,
                         "admitted_on": profile.admitted_at.date().isoformat()}))
    return grounds


def removal_proposals_run(*, today: date | None = None, stats: dict[int, ProviderYearStats] | None = None) -> dict:
    """Propose removals for admitted providers whose figures meet a 第十七条 ground. Idempotent: a provider
    with a removal in progress, or whose same ground for the same year the bureau already cancelled, is
    skipped."""

    today = today or clock.today()
    profiles = list(ProviderProfile.objects.filter(state=ProviderProfile.State.ADMITTED).select_related("organisation"))
    if stats is None:
        stats = collect_stats(year=today.year, organisation_ids=[p.organisation_id for p in profiles])
    if stats is None:
        return {"proposed": 0, "skipped": "尚无订单数据来源（订单模块未注册）"}
    policy = policy_for(today.year)
    busy = set(Removal.objects.filter(state__in=[Removal.State.PROPOSED, Removal.State.CONFIRMED,
                                                  Removal.State.ANNOUNCED]).values_list("profile_id", flat=True))
    cancelled = set(Removal.objects.filter(state=Removal.State.CANCELLED, proposed_by__isnull=True)
                    .values_list("profile_id", "reason", "evidence__year"))
    proposed = 0
    for profile in profiles:
        if profile.pk in busy:
            continue
        for reason, details, evidence in removal_grounds(profile=profile, stats=stats.get(profile.organisation_id),
                                                         policy=policy, today=today):
            if (profile.pk, reason.value, evidence["year"]) in cancelled:
                continue
            removal_propose(actor=None, profile=profile, reason=reason, details=details, evidence=evidence)
            proposed += 1
            break
    return {"proposed": proposed}
