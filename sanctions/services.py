"""第二十条 sanctions: a ban from service vouchers and other policy funds, and the ONE check every entry
point reuses (`assert_not_banned`)."""
import logging
from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse

from hangqifu.accounts.models import Organisation
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, NotPermitted, RuleViolation
from hangqifu.notifications.services import notify
from hangqifu.policy.services import policy_for
from hangqifu.workflows.transitions import fire

from .models import CreditRecord, Sanction
from .permissions import can_sanction

logger = logging.getLogger(__name__)

# Where other apps call assert_not_banned (a typo in a caller should fail loudly, not silently let through).
ENTRY_POINTS = frozenset({
    "registration",        # enterprise / park registration submitted (and approved)
    "claim",               # a voucher claimed from a batch
    "deduction",           # a voucher deduction applied to an order
    "order",               # an order placed with a voucher in mind
    "provider_admission",  # provider application submitted / confirmed
    "product",             # a provider lists a product
    "redemption",          # a redemption claim submitted / approved / disbursed
})
SANCTIONABLE_KINDS = frozenset({Organisation.Kind.ENTERPRISE, Organisation.Kind.PARK, Organisation.Kind.PROVIDER})
MAX_BAN_YEARS = 10


def ban_end(starts_on: date, years: int) -> date:
    """The last day (inclusive) of a ban of `years` years from `starts_on` (29 Feb → 28 Feb)."""
    try:
        anniversary = starts_on.replace(year=starts_on.year + years)
    except ValueError:
        anniversary = starts_on.replace(year=starts_on.year + years, day=28)
    return anniversary - timedelta(days=1)


def _active(organisation, on: date):
    """Active sanctions of `organisation` (a model instance or its id) covering `on` (a query on the
    sanction's dates, not a check of who acts)."""
    return Sanction.objects.filter(organisation_id=getattr(organisation, "pk", organisation),
                                   state=Sanction.State.ACTIVE, starts_on__lte=on, ends_on__gte=on)


def active_sanction(organisation, *, on: date | None = None) -> Sanction | None:
    """The active sanction covering `on` (default: business today) that ends last, or None. `organisation`
    may be the instance or its id."""
    if organisation is None:
        return None
    return _active(organisation, on or clock.today()).order_by("-ends_on").first()


def banned_organisation_ids(*, on: date | None = None) -> set[int]:
    """Every organisation banned on `on` (default: business today), in one query — for batch steps (e.g. a
    settlement batch collecting claims) that must skip or hold banned parties."""
    on = on or clock.today()
    return set(Sanction.objects.filter(state=Sanction.State.ACTIVE, starts_on__lte=on, ends_on__gte=on)
               .values_list("organisation_id", flat=True))


def is_banned(organisation) -> bool:
    return active_sanction(organisation) is not None


def assert_not_banned(organisation, *, entry_point: str) -> None:
    """Raise RuleViolation(code="banned") when an active sanction covers the business date. `organisation`
    may be the instance or its id (a caller that has only `user.organisation_id` spares loading it)."""
    if entry_point not in ENTRY_POINTS:
        raise ValueError(f"unknown entry point {entry_point!r}; add it to sanctions.services.ENTRY_POINTS")
    if organisation is None:
        return
    # Every claim and deduction passes here: the common answer is one indexed EXISTS, and only a banned
    # organisation pays for fetching the sanction (read from the table each time, so a new one applies at once).
    today = clock.today()
    if not _active(organisation, today).exists():
        return
    sanction = active_sanction(organisation, on=today)
    if sanction is None:
        return
    logger.info("banned organisation %s refused at %s (sanction %s)", getattr(organisation, "pk", organisation),
                entry_point, sanction.pk)
    raise RuleViolation(f"该组织因违规已被禁止使用服务券及相关政策资金至 {sanction.ends_on:%Y-%m-%d}",
                        code="banned", fields={"sanction": [str(sanction.pk)]})


def _clean_reason(reason) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("必须填写处理事由", code="reason_required", fields={"reason": ["必须填写处理事由"]})
    return reason


@transaction.atomic
def sanction_impose(*, actor, organisation: Organisation, reason: str, ban_years: int | None = None) -> Sanction:
    if not can_sanction(actor):
        raise NotPermitted("只有市经信局可以作出违规处理决定")
    reason = _clean_reason(reason)
    if organisation.kind not in SANCTIONABLE_KINDS:
        raise InvalidInput("只能对企业、小微企业园或服务机构作出处理", fields={"organisation": ["该组织类型不适用"]})
    if ban_years is None:
        ban_years = policy_for().sanction_ban_years
    if isinstance(ban_years, bool) or not isinstance(ban_years, int) or not 1 <= ban_years <= MAX_BAN_YEARS:
        raise InvalidInput(f"禁止年限须为 1 至 {MAX_BAN_YEARS} 的整数", fields={"ban_years": ["年限无效"]})
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    starts_on = clock.today()
    sanction = Sanction.objects.create(
        organisation=organisation, reason=reason, ban_years=ban_years, starts_on=starts_on,
        ends_on=ban_end(starts_on, ban_years), decided_by=actor, decided_at=clock.now(),
    )
    period = f"{sanction.starts_on:%Y-%m-%d} 至 {sanction.ends_on:%Y-%m-%d}"
    CreditRecord.objects.create(
        organisation=organisation, sanction=sanction, created_at=clock.now(),
        content=f"因违规（{reason}）被市经信局禁止使用服务券及相关政策资金 {ban_years} 年（{period}）",
    )
    audit_record(actor=actor, action="sanction.impose", obj=sanction, to_state=sanction.state,
                 organisation=organisation,
                 payload={"reason": reason, "ban_years": ban_years, "starts_on": sanction.starts_on,
                          "ends_on": sanction.ends_on})
    notify(
        organisation=organisation,
        subject=f"违规处理决定：禁止使用服务券及相关政策资金至 {sanction.ends_on:%Y-%m-%d}",
        body=(f"经核查，{organisation.name} 存在以下违规情形：{reason}。依据《杭州市中小微企业服务券管理办法》第二十条，"
              f"自 {period} 禁止使用服务券及其他相关政策资金，并记入信用档案。"),
        url=reverse("audit:my-sanctions"),
    )
    return sanction


@transaction.atomic
def sanction_lift(*, actor, sanction: Sanction, reason: str) -> Sanction:
    """Lift a decision (e.g. overturned on administrative reconsideration); the credit file keeps both lines."""
    reason = _clean_reason(reason)
    sanction = Sanction.objects.select_for_update().get(pk=sanction.pk)
    fire(sanction, "lift", actor=actor, action="sanction.lift", denied="只有市经信局可以撤销处理决定",
         wrong_state="该处理决定已撤销", changes={"lifted_by": actor, "lifted_at": clock.now(), "lift_reason": reason},
         organisation=sanction.organisation, payload={"reason": reason})
    CreditRecord.objects.create(organisation=sanction.organisation, sanction=sanction, created_at=clock.now(),
                                content=f"原处理决定（禁止至 {sanction.ends_on:%Y-%m-%d}）已撤销：{reason}")
    notify(organisation=sanction.organisation, subject="违规处理决定已撤销",
           body=f"对 {sanction.organisation.name} 的禁止使用服务券处理决定已撤销：{reason}",
           url=reverse("audit:my-sanctions"))
    return sanction
