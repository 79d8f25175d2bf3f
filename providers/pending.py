from django.db.models import Count, Exists, Min, OuterRef, Q
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.core.pending import PendingItem, pending_work

from .models import Product, ProviderApplication, Removal, Review

S = ProviderApplication.State


def _applications(state) -> str:
    return f"{reverse('providers:applications')}?state={state}"


@pending_work(Role.SERVICE_CENTER)
def center_work(user):
    counts = {s: ProviderApplication.objects.filter(state=s).count() for s in (S.SUBMITTED, S.PRE_REVIEWED)}
    products = Product.objects.aggregate(  # one query for both product lines
        submitted=Count("pk", filter=Q(state=Product.State.SUBMITTED)),
        in_selection=Count("pk", filter=Q(state=Product.State.IN_SELECTION)))
    unassigned = ProviderApplication.objects.filter(state=S.PRE_REVIEWED, assignments__isnull=True,
                                                    reviews__isnull=True).count()
    return [
        PendingItem("待形式预审的入驻申请", _applications(S.SUBMITTED), counts[S.SUBMITTED],
                    next_step="核对第十五条材料和条件清单，通过或退回补正",
                    since=ProviderApplication.objects.filter(state=S.SUBMITTED).aggregate(m=Min("submitted_at"))["m"]),
        PendingItem("待指派评审专家的入驻申请", _applications(S.PRE_REVIEWED), unassigned,
                    next_step="指派无利益关联的评审专家或登记第三方评审"),
        PendingItem("待审核的服务产品", f"{reverse('providers:my-products')}?state=submitted",
                    products["submitted"], next_step="核对定价依据，上架或退回；入驻后新增的产品预审后纳入遴选"),
        PendingItem("遴选评审中的新增产品", f"{reverse('providers:my-products')}?state=in_selection",
                    products["in_selection"], next_step="录入专家组或第三方机构的评审结果"),
        PendingItem("待发布公告的清退", reverse("admin:providers_removal_changelist") + "?state__exact=confirmed",
                    Removal.objects.filter(state=Removal.State.CONFIRMED).count()),
    ]


@pending_work(Role.BUREAU)
def bureau_work(user):
    return [
        PendingItem("待确认入选的入驻申请", _applications(S.EXPERT_REVIEWED),
                    ProviderApplication.objects.filter(state=S.EXPERT_REVIEWED).count(),
                    next_step="查看评审排名，确认入选并发布公示"),
        PendingItem("待确认入选的新增服务产品", f"{reverse('providers:my-products')}?state=selection_reviewed",
                    Product.objects.filter(state=Product.State.SELECTION_REVIEWED).count(),
                    next_step="查看评审结果，确认入选并发布公示"),
        PendingItem("待确认的清退提议", reverse("admin:providers_removal_changelist") + "?state__exact=proposed",
                    Removal.objects.filter(state=Removal.State.PROPOSED).count()),
    ]


@pending_work(Role.EXPERT)
def expert_work(user):
    mine = Review.objects.filter(application=OuterRef("pk"), reviewer=user)
    count = ProviderApplication.objects.filter(state=S.PRE_REVIEWED, assignments__expert=user).exclude(
        Exists(mine)).count()
    return [PendingItem("待评审的入驻申请", reverse("providers:reviews"), count, next_step="按评审细则逐项评分并填写意见")]


@pending_work(Role.PROVIDER)
def provider_work(user):
    if not user.organisation_id:
        return []
    returned = ProviderApplication.objects.filter(organisation_id=user.organisation_id,
                                                  state__in=[S.DRAFT, S.RETURNED]).count()
    drafts = Product.objects.filter(provider_id=user.organisation_id, state=Product.State.DRAFT).count()
    return [PendingItem("待提交或退回补正的入驻申请", reverse("providers:applications"), returned,
                        next_step="补全材料（退回的按意见补正）后在遴选期内提交"),
            PendingItem("待提交审核的服务产品", f"{reverse('providers:my-products')}?state=draft", drafts,
                        next_step="上传定价依据后提交审核")]
