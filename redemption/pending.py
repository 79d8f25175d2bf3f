from django.db.models import Count, Min
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.core.pending import PendingItem, pending_work

from . import permissions as perms
from .models import DistrictPayment, RedemptionClaim, SettlementBatch
from .selectors import claimable_orders

S = SettlementBatch.State


def _admin_claims(state: str) -> str:
    return reverse("admin:redemption_redemptionclaim_changelist") + f"?state__exact={state}"


def _claims_waiting(state: str, since: str, title: str, next_step: str) -> PendingItem:
    """The claims in `state`, counted, and waiting since the earliest `since` time, linked to their admin list."""
    waiting = RedemptionClaim.objects.filter(state=state).aggregate(count=Count("pk"), since=Min(since))
    return PendingItem(title, _admin_claims(state), waiting["count"], next_step=next_step, since=waiting["since"])


def _batches(states, label, user) -> list[PendingItem]:
    batches = list(SettlementBatch.objects.filter(state__in=states).order_by("id")[:5])
    return [PendingItem(f"{label}：{batch.title}", batch.get_absolute_url(), 1) for batch in batches]


@pending_work(Role.SERVICE_CENTER)
def service_center_work(user):
    return [_claims_waiting(RedemptionClaim.State.SUBMITTED, "submitted_at", "待形式预审的兑付申请",
                            "核对第十一条材料和服务评价，核定抵用金额，提出预审意见"),
            PendingItem("已审批、待纳入结算批次的兑付申请", reverse("redemption:batch-list"),
                        RedemptionClaim.objects.filter(state=RedemptionClaim.State.APPROVED, batch__isnull=True,
                                                       under_investigation=False).count(),
                        next_step="开设或等待结算批次，截止后自动归集"),
            *_batches([S.OPEN], "受理中的结算批次", user)]


@pending_work(Role.BUREAU)
def bureau_work(user):
    return [_claims_waiting(RedemptionClaim.State.PRE_REVIEWED, "pre_reviewed_at", "待审批的兑付申请",
                            "审核预审意见和核定金额，同意或退回"),
            *_batches([S.COLLECTED], "待审批的结算批次", user),
            *_batches([S.APPROVED], "待发布公示的结算批次", user),
            *_batches([S.NOTICE_CLOSED], "待签发拨付文件", user)]


@pending_work(Role.FINANCE_BUREAU)
def finance_work(user):
    batches = SettlementBatch.objects.filter(state=S.BUREAU_SIGNED).exclude(bureau_signed_by=user)
    return [PendingItem(f"待会签拨付文件：{batch.title}", batch.get_absolute_url(), 1) for batch in batches[:5]]


@pending_work(Role.DISTRICT)
def district_work(user):
    district = perms.district_of(user)
    if not district:
        return []
    count = DistrictPayment.objects.filter(district=district).exclude(state=DistrictPayment.State.PAID).count()
    return [PendingItem("待支付确认的兑付款", reverse("redemption:district-payments") + "?state=pending", count)]


@pending_work(Role.PROVIDER)
def provider_work(user):
    if not perms.is_provider(user):
        return []
    claims = RedemptionClaim.objects.filter(provider_id=user.organisation_id)

    return [PendingItem("被退回待补正的兑付申请", reverse("redemption:claim-list") + "?state=returned",
                        claims.filter(state=RedemptionClaim.State.RETURNED).count(),
                        next_step="按退回意见补正材料后重新提交"),
            PendingItem("未提交的兑付申请草稿", reverse("redemption:claim-list") + "?state=draft",
                        claims.filter(state=RedemptionClaim.State.DRAFT).count(),
                        next_step="上传合同、发票、收款凭证、承诺书和佐证材料后提交"),
            PendingItem("可申请兑付的已抵扣订单", reverse("redemption:claim-new"),
                        claimable_orders(provider=user.organisation).count(),
                        next_step="填写发票信息，新建兑付申请")]
