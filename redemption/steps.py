"""Step progress of a redemption claim (第十一条) and of a settlement batch (第十三条)."""
from hangqifu.core.steps import Deadline, workflow


def _notice_of(batch):
    notice = batch.notice if batch is not None and batch.notice_id else None
    if notice is None or notice.closes_at is None:
        return None
    return Deadline("公示截止", notice.closes_at, "公示期按工作日计算，期满无异议后签发拨付文件")


def _claim_deadline(claim):
    if claim.state != "in_settlement" or claim.batch_id is None or claim.batch.state != "in_notice":
        return None
    return _notice_of(claim.batch)


def _batch_deadline(batch):
    if batch.state == "open":
        return Deadline("受理截止", batch.period_end, "截止后归集本期已审批的兑付申请")
    if batch.state == "in_notice":
        return _notice_of(batch)
    return None


CLAIM = workflow(
    "redemption.RedemptionClaim",
    steps=[("申请", ["draft", "returned"]), ("形式预审", ["submitted"]), ("审批", ["pre_reviewed"]),
           ("结算公示与拨付", ["approved", "in_settlement"])],
    done=["paid"], stopped={"rejected": "不予兑付", "withdrawn": "已撤回"},
    next_actor={"draft": "服务机构（上传材料后提交）", "returned": "服务机构（按意见补正后重新提交）",
                "submitted": "市工信服务中心（形式预审、核定金额）", "pre_reviewed": "市经信局（审批）",
                "approved": "市工信服务中心（纳入结算批次）",
                "in_settlement": "市经信局、市财政局（公示、签发拨付文件），区县财政（支付）"},
    deadline=_claim_deadline,
)

SETTLEMENT = workflow(
    "redemption.SettlementBatch",
    steps=[("受理", ["open"]), ("归集审批", ["collecting", "collected"]), ("公示", ["approved", "in_notice"]),
           ("签发会签", ["notice_closed", "bureau_signed", "issuing"]), ("区县支付", ["disbursed"])],
    done=["completed"], stopped={"cancelled": "已取消"},
    next_actor={"open": "服务机构（提交兑付申请）；市工信服务中心（截止受理并归集）", "collecting": "系统（归集中）",
                "collected": "市经信局（审批结算批次）", "approved": "市经信局（发布兑付公示）",
                "in_notice": "社会公众监督（公示期内可提出异议）", "notice_closed": "市经信局（签发拨付文件）",
                "bureau_signed": "市财政局（会签）", "issuing": "系统（生成拨付文件）",
                "disbursed": "各区、县（市）财政（通过亲清在线支付）"},
    deadline=_batch_deadline,
)
