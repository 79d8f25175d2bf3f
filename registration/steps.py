"""Step progress of registration (第九条)."""
from hangqifu.core.steps import Deadline, workflow
from hangqifu.policy.models import PolicyYear


def _review_deadline(registration):
    if registration.state not in ("submitted", "pre_reviewed") or registration.review_due_on is None:
        return None

    days = PolicyYear.objects.filter(year=registration.year).values_list("review_working_days", flat=True).first()
    basis = f"受理后 {days} 个工作日，按法定节假日和调休安排计算" if days else "按工作日计算"
    return Deadline("审核期限", registration.review_due_on, basis)


REGISTRATION = workflow(
    "registration.RegistrationApplication",
    steps=[("申请", ["draft", "returned"]), ("形式预审", ["submitted"]), ("资格认定", ["pre_reviewed"])],
    done=["approved"], stopped={"rejected": "未通过"},
    next_actor={"draft": "申请人（填写并提交）", "returned": "申请人（按意见修改后重新提交）",
                "submitted": "市工信服务中心（形式预审）", "pre_reviewed": "市工信服务中心（认定资格、核定额度）"},
    deadline=_review_deadline,
)
