"""Step progress of a provider's admission application (第十五条)."""
from hangqifu.core.steps import Deadline, workflow
from hangqifu.notices.models import PublicNotice


def _notice_deadline(application):
    if application.state != "under_notice" or not application.notice_id:
        return None

    closes_at = PublicNotice.objects.filter(pk=application.notice_id).values_list("closes_at", flat=True).first()
    return Deadline("公示截止", closes_at, "公示期按工作日计算，期满无异议即入驻") if closes_at else None


APPLICATION = workflow(
    "providers.ProviderApplication",
    steps=[("申请", ["draft", "returned"]), ("形式预审", ["submitted"]), ("专家评审", ["pre_reviewed"]),
           ("审核确认", ["expert_reviewed"]), ("公示", ["confirmed", "under_notice"])],
    done=["admitted"], stopped={"rejected": "未通过"},
    next_actor={"draft": "申请机构（在遴选期内提交）", "returned": "申请机构（按意见补正后重新提交）",
                "submitted": "市工信服务中心（形式预审）", "pre_reviewed": "评审专家或第三方评审机构",
                "expert_reviewed": "市经信局（审核确认评审结果）", "confirmed": "市经信局（发布公示）",
                "under_notice": "社会公众监督（公示期内可提出异议）"},
    deadline=_notice_deadline,
)
