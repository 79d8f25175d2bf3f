"""The one registry of what the audit trail looks like to a person: the Chinese name of every action code, of
every object type, and of each object type's states. Histories on every page, the admin's 办理记录 and the audit
browser read it; `tests/test_chinese_labels.py` fails when the code base records an action this lacks.

The codes themselves stay the stable English ids the chain was hashed with; only their display is Chinese."""
from functools import cache
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist

ACTION_LABELS = {
    # accounts, second factor and security events
    "account.signup": "注册账号",
    "security.login": "登录",
    "security.login_failed": "登录失败",
    "security.lockout": "账号锁定",
    "security.logout": "退出登录",
    "security.session_timeout": "闲置超时退出",
    "security.password_changed": "修改密码",
    "security.second_factor_passed": "动态口令验证通过",
    "security.second_factor_failed": "动态口令错误",
    "security.second_factor_enrolled": "绑定动态口令",
    "security.second_factor_reset": "重置动态口令",
    "security.second_factor_disabled": "关闭动态口令",
    "security.backup_codes_generated": "生成备用码",
    "security.backup_code_used": "使用备用码",
    "security.token_issued": "签发 API 令牌",
    "security.token_revoked": "注销 API 令牌",
    "security.revoked_token_used": "已注销令牌被使用",
    "security.permission_denied": "越权操作被拒",
    "credit_code.claim_filed": "提交信用代码归属申诉",
    "credit_code.taken_from_holder": "信用代码从原持有组织移除",
    "credit_code.transferred": "信用代码转移",
    "credit_code.claim_rejected": "驳回信用代码归属申诉",
    # platform
    "admin.added": "管理后台新增",
    "admin.changed": "管理后台修改",
    "admin.deleted": "管理后台删除",
    "scheduler.changed": "定时任务变更",
    "clock.set": "设置测试时钟",
    "clock.advance": "拨快测试时钟",
    "clock.reset": "重置测试时钟",
    "clock.run_due_tasks": "执行到期定时任务（测试时钟）",
    "policy.create": "新建年度政策参数",
    "policy.update": "修改年度政策参数",
    "calendar.set_day": "设置工作日历",
    "document.upload": "上传材料",
    "document.delete": "删除材料",
    "document.downloaded": "下载材料",
    "notice.publish": "发布公示",
    "notice.close": "公示期结束",
    "notice.item_hold": "公示对象暂缓（有异议）",
    "notice.item_clear": "公示对象无异议通过",
    "notice.item_withdraw": "公示对象撤回",
    "notice.objection_file": "提出公示异议",
    "notice.objection_resolve": "处理公示异议",
    # registration and qualifications
    "registration.create": "创建注册认定申请（草稿）",
    "registration.update": "保存填报信息",
    "registration.submit": "提交注册认定申请",
    "registration.pre_review": "形式预审通过",
    "registration.return": "退回修改",
    "registration.reject": "不予通过",
    "registration.approve": "认定资格",
    "registration.rereview_open": "开启年度复审",
    "registration.rereview_bulk_approve": "年度复审批量通过",
    "change_report.create": "提交变更报告",
    "change_report.review": "审核变更报告",
    "qualification.grant": "认定服务券资格",
    "qualification.suspend": "暂停服务券资格",
    "qualification.reinstate": "恢复服务券资格",
    "qualification.revoke": "撤销服务券资格",
    "reference.credit_list_suspend": "列入失信名单暂停资格",
    "reference.credit_delisting": "信用修复移出名单",
    "reference.size_threshold_add": "新增企业划型标准",
    "reference.size_threshold_change": "修改企业划型标准",
    # funds, batches, vouchers, orders
    "fund.create": "设立年度服务券资金",
    "fund.exhausted": "年度服务券资金用尽",
    "fund.insufficiency_proposed": "提出资金总额不足认定",
    "fund.insufficiency_confirmed": "确认资金总额不足（作废当年服务券）",
    "fund.insufficiency_withdrawn": "撤回资金总额不足认定",
    "batch.create": "创建发放批次",
    "batch.open": "开始领取",
    "batch.close": "结束领取",
    "voucher.claim": "领取服务券",
    "voucher.use_up": "服务券余额用完",
    "voucher.expire": "服务券到期失效",
    "voucher.void_fund_exhausted": "资金用尽作废服务券",
    "voucher.void_qualification": "资格暂停或撤销作废服务券",
    "order.create": "签订合同、创建订单",
    "order.complete": "确认服务完成",
    "order.rate": "满意度评价",
    "order.deduct": "抵扣服务券",
    "order.cancel": "取消订单",
    # providers
    "selection_round.create": "新建遴选批次",
    "selection_round.update": "修改遴选批次",
    "provider_application.create": "创建入驻申请（草稿）",
    "provider_application.update": "保存入驻申请",
    "provider_application.submit": "提交入驻申请",
    "provider_application.pre_review": "入驻申请形式预审通过",
    "provider_application.return": "入驻申请退回补正",
    "provider_application.reject": "入驻申请驳回",
    "provider_application.assign_experts": "指派评审专家",
    "provider_application.assignment_withdrawn": "撤回专家指派",
    "provider_application.expert_reviewed": "专家提交评审意见",
    "provider_application.review": "专家评审",
    "provider_application.confirm": "确认入选",
    "provider_application.notice": "入选名单公示",
    "provider_application.admit": "准予入驻",
    "provider_application.objection_upheld": "入驻公示异议成立",
    "provider_application.conditions_checked": "核查第十四条入驻条件",
    "provider_evaluation.record": "录入年度服务评价",
    "provider_evaluation.publish": "公布年度服务评价",
    "provider_conflict.declare": "申报利益冲突",
    "provider.suspend": "暂停服务机构",
    "provider.remove": "服务机构清退出库",
    "provider.readmit": "服务机构重新入驻",
    "provider.lift_suspension": "解除服务机构暂停",
    "provider_removal.propose": "提出清退",
    "provider_removal.confirm": "确认清退",
    "provider_removal.cancel": "撤销清退",
    "provider_removal.announce": "清退公示",
    "provider_removal.objection_upheld": "清退公示异议成立",
    "provider_removal.remove": "清退服务机构",
    "product.create": "新建服务产品",
    "product.update": "修改服务产品",
    "product.submit": "提交产品审核",
    "product.approve": "产品审核通过并上架",
    "product.return": "产品退回修改",
    "product.delist": "产品下架",
    "product.selection_pre_review": "新增产品遴选形式预审",
    "product.selection_review": "新增产品遴选评审",
    "product.selection_confirm": "确认新增产品入选并公示",
    "product.selected": "新增产品公示期满上架",
    "product.selection_objection_upheld": "新增产品公示异议成立",
    # redemption and settlement
    "redemption.claim_create": "创建兑付申请",
    "redemption.claim_submit": "提交兑付申请",
    "redemption.claim_withdraw": "撤回兑付申请",
    "redemption.claim_pre_review": "兑付形式预审通过并核定金额",
    "redemption.claim_return": "兑付申请退回补正",
    "redemption.claim_reject": "不予兑付",
    "redemption.claim_approve": "审核同意兑付",
    "redemption.claim_revoke": "撤销兑付",
    "redemption.claim_revoke_refused": "撤销兑付被拒绝",
    "redemption.claim_paid": "兑付款已支付",
    "redemption.investigation_cleared": "公示异议处理完毕，解除兑付调查标记",
    "redemption.claims_bulk_pre_review": "兑付申请批量形式预审通过",
    "redemption.claims_bulk_approve": "兑付申请批量审核同意",
    "settlement.open": "新建兑付结算批次",
    "settlement.collect_claim": "兑付申请纳入结算批次",
    "settlement.collected": "结算批次归集完成",
    "settlement.pull_out": "移出结算批次",
    "settlement.approve": "审核结算批次",
    "settlement.publish": "公示结算批次",
    "settlement.notice_concluded": "结算公示期结束",
    "settlement.sign_bureau": "市经信局签发",
    "settlement.sign_finance": "市财政局签发",
    "settlement.disbursement_issue": "出具拨付文件",
    "settlement.disbursed": "资金已拨付区县",
    "settlement.payment_confirm": "区县确认支付",
    "settlement.payment_fail": "区县支付失败",
    "settlement.payments_bulk_confirm": "区县批量确认支付",
    "settlement.complete": "结算批次办结",
    "settlement.close": "关闭结算批次",
    "settlement.cancel": "取消结算批次",
    # supervision
    "complaint.file": "提交投诉",
    "complaint.assign": "指派投诉承办人",
    "complaint.start_investigation": "开始调查投诉",
    "complaint.resolve": "投诉办结",
    "complaint.dismiss": "投诉不予支持",
    "sanction.impose": "作出违规处理",
    "sanction.lift": "撤销违规处理",
    "spot_check.create": "新建抽查",
    "spot_check.draw": "抽取抽查样本",
    "spot_check.finding": "记录抽查结果",
    "spot_check.close": "抽查结束",
    "recovery.open": "启动资金追回",
    "recovery.repayment": "登记追回缴款",
}

# The keys of event payloads, as the audit timeline shows them (a key not named here is shown as written).
PAYLOAD_LABELS = {
    "reason": "理由", "opinion": "意见", "amount": "金额", "total": "合计", "count": "数量", "year": "年度",
    "batch": "批次", "notice": "公示", "notice_title": "公示标题", "district": "区县", "districts": "区县",
    "from": "调整前", "to": "调整后", "kind": "类别", "channel": "渠道", "note": "说明", "notes": "说明",
    "items": "对象", "item": "对象", "label": "名称", "name": "名称", "payment": "支付", "claims": "兑付申请",
    "remaining": "剩余", "credit_code": "统一社会信用代码", "username": "账号", "user": "用户", "device": "设备",
    "verified_amount": "核定金额", "paid_at": "支付时间", "reference": "流水号", "findings": "调查结论",
    "finding": "抽查结果", "evidence": "证据", "experts": "评审专家", "expert": "评审专家", "scores": "评分",
    "satisfaction": "满意度", "cause": "原因", "live_vouchers": "未使用服务券（张）", "live_balance": "未使用余额",
    "frozen": "冻结时钟", "days": "天数", "hours": "小时数", "jobs": "执行的定时任务", "fields": "字段",
    "model": "数据类型", "object": "对象", "handler": "承办人", "passed": "是否通过", "seed": "随机种子",
    "population": "总体数量", "size_class": "企业规模", "qualifications": "资格", "profile": "服务机构",
    "review": "评审", "relation": "关系", "idle_seconds": "闲置秒数", "tokens_revoked": "注销令牌数",
    "devices_removed": "移除设备数", "pulled_out": "移出", "skipped": "跳过", "expiry": "到期日",
}

# Object types (the model's name in the trail) whose everyday name differs from the model's verbose name.
OBJECT_LABELS = {
    "qualification": "服务券资格",
    "deduction": "服务券抵扣",
    "user": "用户账号",
}

_UNKNOWN_ACTION = "其他操作"


def _own(model) -> bool:
    """A model of the portal's own apps (not Django's or a library's): its app lives in the project's folder."""
    path = Path(model._meta.app_config.path)
    return Path(settings.BASE_DIR) in path.parents and "site-packages" not in path.parts


def action_label(code: str) -> str:
    """The Chinese name of an action code; an unknown code (a trail older than its name) reads as its object's
    operation, never as the code."""
    if code in ACTION_LABELS:
        return ACTION_LABELS[code]
    return _UNKNOWN_ACTION


def actions_matching(text: str) -> list[str]:
    """The codes a search for `text` means: those whose Chinese name contains it (抵扣 → order.deduct …), and
    those starting with it (a code or prefix typed by someone who knows them)."""
    text = text.strip()
    if not text:
        return []
    return sorted(code for code, label in ACTION_LABELS.items() if text in label or code.startswith(text))


@cache
def _models() -> dict:
    return {model._meta.model_name: model for model in apps.get_models()}


def _model(object_type: str):
    return _models().get(object_type)


def object_type_label(object_type: str) -> str:
    if not object_type:
        return ""
    if object_type in OBJECT_LABELS:
        return OBJECT_LABELS[object_type]
    model = _model(object_type)
    return str(model._meta.verbose_name) if model is not None else "对象"


def payload_rows(payload: dict) -> list[tuple[str, object]]:
    """An event's payload as (Chinese key, value) rows for the timeline."""
    return [(PAYLOAD_LABELS.get(key, key), value) for key, value in (payload or {}).items()]


def object_type_choices() -> list[tuple[str, str]]:
    """The object types of the portal's own models, for a search form: (model name, Chinese name)."""
    own = [model for model in _models().values() if _own(model)]
    return [("", "全部")] + sorted(((model._meta.model_name, object_type_label(model._meta.model_name))
                                   for model in own), key=lambda choice: choice[1])


def object_label(object_type: str, object_id) -> str:
    """`qualification`, 3 → 服务券资格 #3."""
    return f"{object_type_label(object_type)} #{object_id}" if object_type else ""


def _state_choices(model) -> dict:
    try:
        return dict(model._meta.get_field("state").flatchoices)
    except FieldDoesNotExist:
        return {}


@cache
def _any_state_labels() -> dict:
    """Every state id of every workflow → its first Chinese label, for events whose object is not the workflow
    (a registration's states recorded against the organisation)."""
    found = {}
    for name in sorted(_models()):
        for state, label in _state_choices(_models()[name]).items():
            found.setdefault(state, str(label))
    return found


def all_state_ids() -> set[str]:
    """Every workflow state id of the portal's models (what a page must show by its Chinese label)."""
    return set(_any_state_labels())


def state_label(object_type: str, state: str) -> str:
    """A state id in Chinese (已签发, 已办结 …): the object type's own `state` choices, else the workflow state
    of that id elsewhere; an id no model declares reads as 其他状态."""
    if not state:
        return ""
    model = _model(object_type)
    choices = _state_choices(model) if model is not None else {}
    if state in choices:
        return str(choices[state])
    return _any_state_labels().get(state, "其他状态")


def transition_label(object_type: str, from_state: str, to_state: str) -> str:
    """`signed` → `completed` of an order → 已签约 → 已完成 (— for an empty side)."""
    if not (from_state or to_state):
        return ""
    return f"{state_label(object_type, from_state) or '—'} → {state_label(object_type, to_state) or '—'}"
