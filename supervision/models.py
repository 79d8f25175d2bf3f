from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django_fsm import FSMField, transition

from hangqifu.core import clock
from hangqifu.core.money import MONEY_FIELD_KWARGS
from hangqifu.workflows.conditions import condition
from sanctions.models import Sanction

from . import permissions as perms


class Complaint(models.Model):
    """第十八条: anyone may complain; the service center investigates within a deadline in working days."""

    class State(models.TextChoices):
        RECEIVED = "received", "已受理"
        INVESTIGATING = "investigating", "调查中"
        RESOLVED = "resolved", "已办结"
        DISMISSED = "dismissed", "不予支持"

    OPEN_STATES = (State.RECEIVED, State.INVESTIGATING)

    tracking_number = models.CharField("投诉编号", max_length=20, unique=True)
    state = FSMField("状态", default=State.RECEIVED, choices=State.choices, protected=True)
    complainant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="投诉人账号", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="complaints")
    complainant_name = models.CharField("投诉人", max_length=100)
    contact = models.CharField("联系方式", max_length=100, blank=True)
    subject = models.CharField("标题", max_length=200)
    content = models.TextField("投诉内容")
    object_type = models.CharField("投诉对象类型", max_length=100, blank=True)
    object_id = models.CharField("投诉对象编号", max_length=64, blank=True)
    filed_at = models.DateTimeField("受理时间")
    due_on = models.DateField("答复期限")
    due_on_provisional = models.BooleanField("期限暂定", default=False,
                                             help_text="期限跨越尚未公布官方节假日安排的年份，按周一至周五暂算")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="承办人", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="handled_complaints")
    investigation_started_at = models.DateTimeField("开始调查时间", null=True, blank=True)
    findings = models.TextField("调查结论", blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    overdue_notified_on = models.DateField("逾期提醒日期", null=True, blank=True)

    class Meta:
        db_table = "audit_complaint"  # the table keeps the name it had in the audit app
        verbose_name = "投诉"
        verbose_name_plural = "投诉"
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "due_on"], name="complaint_state_due_idx"),
                   models.Index(fields=["object_type", "object_id"], name="complaint_object_idx")]

    def __str__(self):
        return f"{self.tracking_number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    def is_overdue(self, today=None) -> bool:
        return self.is_open and (today or clock.today()) > self.due_on

    @transition(field=state, source=State.RECEIVED, target=State.INVESTIGATING, permission=perms.complaint_handler,
                custom={"action": "start-investigation", "label": "开始调查（由我承办）"})
    def start_investigation(self):
        pass

    @transition(field=state, source=State.INVESTIGATING, target=State.RESOLVED, permission=perms.assigned_handler,
                custom={"action": "resolve", "label": "办结（投诉属实/已处理）", "form": "supervision.forms.FindingsForm"})
    def resolve(self):
        pass

    @transition(field=state, source=State.INVESTIGATING, target=State.DISMISSED, permission=perms.assigned_handler,
                custom={"action": "dismiss", "label": "不予支持", "form": "supervision.forms.FindingsForm"})
    def dismiss(self):
        pass


class FraudSignal(models.Model):
    """One rule that fired for one subject on one business day (computed nightly, idempotent per day).
    The rules and their thresholds are documented in `supervision.fraud` and on the rules page."""

    class Rule(models.TextChoices):
        PAIR_VOLUME = "pair_volume", "同一购买方与服务机构订单过多"
        ABOVE_PRICE_BASIS = "above_price_basis", "订单金额远高于产品价格基准"
        TWICE_BALANCE = "twice_balance", "订单金额恰为服务券余额的两倍"
        QUICK_DEDUCTION = "quick_deduction", "评价后数分钟内即抵扣"
        SHARED_CONTACT = "shared_contact", "购买方与服务机构或其他购买方联系方式相同"
        INSTANT_SATISFACTION = "instant_satisfaction", "服务机构评价全部为满意且在完成后数小时内作出"
        REPEATED_INVOICE = "repeated_invoice", "兑付申请发票号码重复"
        OTHER_SUBSIDY_NEAR = "other_subsidy_near", "与其他政策支持项目相近（疑似重复享受）"

    class Subject(models.TextChoices):
        ORDER = "order", "订单"
        CLAIM = "redemptionclaim", "兑付申请"
        ORGANISATION = "organisation", "组织"

    rule = models.CharField("规则", max_length=30, choices=Rule.choices)
    subject_type = models.CharField("对象类型", max_length=30, choices=Subject.choices)
    subject_id = models.PositiveBigIntegerField("对象编号")
    organisation = models.ForeignKey("accounts.Organisation", verbose_name="相关组织", on_delete=models.PROTECT,
                                     related_name="+")
    score = models.PositiveSmallIntegerField("风险分")
    reasons = models.JSONField("理由", default=list)
    computed_for = models.DateField("计算日期", db_index=True)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        db_table = "audit_fraudsignal"  # the table keeps the name it had in the audit app
        verbose_name = "疑点线索"
        verbose_name_plural = "疑点线索"
        ordering = ["-computed_for", "-score", "id"]
        constraints = [models.UniqueConstraint(fields=["rule", "subject_type", "subject_id", "computed_for"],
                                               name="fraud_signal_once_per_day")]
        indexes = [models.Index(fields=["computed_for", "subject_type", "subject_id"], name="fraud_signal_subject_idx")]

    def __str__(self):
        return f"{self.get_rule_display()} · {self.get_subject_type_display()} #{self.subject_id}"


@condition(code="items_pending", detail=lambda check: f"还有 {check.pending_count()} 个样本未记录核查结果")
def every_item_checked(check) -> bool:
    """第十九条: a spot check is concluded on its whole sample; every sampled item has its finding first."""
    return not check.items.filter(finding=SpotCheckItem.Finding.PENDING).exists()


class SpotCheck(models.Model):
    """第十九条 抽查: a sample of orders or redemption claims of a period, drawn reproducibly from `seed`."""

    class State(models.TextChoices):
        DRAFT = "draft", "草拟"
        SAMPLED = "sampled", "已抽样，核查中"
        CLOSED = "closed", "已结案"

    class Target(models.TextChoices):
        ORDER = "order", "服务订单"
        CLAIM = "redemptionclaim", "兑付申请"

    class Method(models.TextChoices):
        UNIFORM = "uniform", "等概率随机抽样"
        RISK_WEIGHTED = "risk_weighted", "按风险分加权抽样"

    title = models.CharField("抽查名称", max_length=200)
    target = models.CharField("抽查对象", max_length=30, choices=Target.choices)
    method = models.CharField("抽样方法", max_length=20, choices=Method.choices, default=Method.UNIFORM)
    period_start = models.DateField("期间起")
    period_end = models.DateField("期间止")
    sample_size = models.PositiveIntegerField("样本量")
    seed = models.BigIntegerField("随机种子")
    population_size = models.PositiveIntegerField("总体数量", null=True, blank=True)
    state = FSMField("状态", default=State.DRAFT, choices=State.choices, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("发起时间")
    sampled_at = models.DateTimeField("抽样时间", null=True, blank=True)
    conclusion = models.TextField("核查结论", blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="结案人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)

    class Meta:
        db_table = "audit_spotcheck"  # the table keeps the name it had in the audit app
        verbose_name = "抽查"
        verbose_name_plural = "抽查"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="spot_check_period_ordered"),
            models.CheckConstraint(condition=models.Q(sample_size__gte=1), name="spot_check_sample_positive"),
        ]

    def __str__(self):
        return f"抽查 {self.number} {self.title}"

    @property
    def number(self) -> str:
        return f"CC{self.created_at:%Y}{self.pk:05d}" if self.pk and self.created_at else "—"

    @property
    def organisation(self):
        return None

    def user_can_view(self, user) -> bool:
        return perms.can_run_spot_checks(user)

    def pending_count(self) -> int:
        return self.items.filter(finding=SpotCheckItem.Finding.PENDING).count()

    @transition(field=state, source=State.DRAFT, target=State.SAMPLED, permission=perms.spot_checker,
                custom={"action": "draw", "label": "抽取样本"})
    def draw(self):
        pass

    @transition(field=state, source=State.SAMPLED, target=State.CLOSED, permission=perms.spot_checker,
                conditions=[every_item_checked], custom={"action": "close", "label": "结案并生成报告"})
    def close(self):
        pass


class SpotCheckItem(models.Model):
    class Finding(models.TextChoices):
        PENDING = "pending", "待核查"
        COMPLIANT = "compliant", "未发现问题"
        ISSUE = "issue", "发现问题"

    spot_check = models.ForeignKey(SpotCheck, verbose_name="抽查", on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField("抽中顺序")
    subject_id = models.PositiveBigIntegerField("对象编号")
    organisation = models.ForeignKey("accounts.Organisation", verbose_name="被查组织", on_delete=models.PROTECT,
                                     related_name="+")
    label = models.CharField("对象", max_length=200)
    amount = models.DecimalField("金额（元）", **MONEY_FIELD_KWARGS)
    risk_score = models.PositiveIntegerField("抽样时风险分", default=0)
    finding = models.CharField("核查结果", max_length=20, choices=Finding.choices, default=Finding.PENDING)
    notes = models.TextField("核查记录", blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核查人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField("核查时间", null=True, blank=True)

    class Meta:
        db_table = "audit_spotcheckitem"  # the table keeps the name it had in the audit app
        verbose_name = "抽查样本"
        verbose_name_plural = "抽查样本"
        ordering = ["spot_check_id", "position"]
        constraints = [models.UniqueConstraint(fields=["spot_check", "subject_id"], name="spot_check_item_once"),
                       models.UniqueConstraint(fields=["spot_check", "position"], name="spot_check_item_position")]

    def __str__(self):
        return f"{self.spot_check.number} 样本 {self.position}：{self.label}"

    def user_can_view(self, user) -> bool:
        return self.spot_check.user_can_view(user)


class Recovery(models.Model):
    """第二十条 追回: money obtained by fraud (虚报、冒领), tracked until repaid. Its reversal entries are in the
    vouchers ledger (kind `reversal`, one per deduction, reference = this record's number)."""

    class State(models.TextChoices):
        OPEN = "open", "待追回"
        PARTIALLY_REPAID = "partially_repaid", "部分追回"
        REPAID = "repaid", "已全部追回"

    organisation = models.ForeignKey("accounts.Organisation", verbose_name="责任主体", on_delete=models.PROTECT,
                                     related_name="recoveries")
    sanction = models.ForeignKey(Sanction, verbose_name="处理决定", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="recoveries")
    reason = models.TextField("认定事实")
    amount = models.DecimalField("应追回金额（元）", **MONEY_FIELD_KWARGS)
    repaid = models.DecimalField("已追回金额（元）", **MONEY_FIELD_KWARGS, default=0)
    state = FSMField("状态", default=State.OPEN, choices=State.choices, protected=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="认定人", on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField("认定时间")
    repaid_at = models.DateTimeField("追回完毕时间", null=True, blank=True)

    class Meta:
        db_table = "audit_recovery"  # the table keeps the name it had in the audit app
        verbose_name = "资金追回"
        verbose_name_plural = "资金追回"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="recovery_amount_positive"),
            models.CheckConstraint(condition=models.Q(repaid__gte=0) & models.Q(repaid__lte=models.F("amount")),
                                   name="recovery_repaid_within_amount"),
        ]

    def __str__(self):
        return f"追回 {self.number} {self.organisation} {self.amount} 元"

    @property
    def number(self) -> str:
        return f"ZH{self.decided_at:%Y}{self.pk:05d}" if self.pk and self.decided_at else "—"

    @property
    def outstanding(self):
        return self.amount - self.repaid

    def user_can_view(self, user) -> bool:
        return perms.can_view_recovery(self, user)

    @transition(field=state, source=[State.OPEN, State.PARTIALLY_REPAID], target=State.PARTIALLY_REPAID,
                permission=perms.recovery_officer, custom={"action": "repay", "label": "登记部分追回"})
    def repay_part(self):
        pass

    @transition(field=state, source=[State.OPEN, State.PARTIALLY_REPAID], target=State.REPAID,
                permission=perms.recovery_officer, custom={"action": "repay", "label": "登记全部追回"})
    def repay_all(self):
        pass


class RecoveryLine(models.Model):
    """One order (and, when redeemed, its redemption claim) whose money is recovered."""

    recovery = models.ForeignKey(Recovery, verbose_name="资金追回", on_delete=models.CASCADE, related_name="lines")
    order = models.ForeignKey("vouchers.Order", verbose_name="订单", on_delete=models.PROTECT, related_name="+")
    deduction = models.OneToOneField("vouchers.Deduction", verbose_name="抵扣", on_delete=models.PROTECT,
                                     related_name="recovery_line", help_text="每笔抵扣至多追回一次")
    claim = models.ForeignKey("redemption.RedemptionClaim", verbose_name="兑付申请", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField("追回金额（元）", **MONEY_FIELD_KWARGS)

    class Meta:
        db_table = "audit_recoveryline"  # the table keeps the name it had in the audit app
        verbose_name = "追回明细"
        verbose_name_plural = "追回明细"
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="recovery_line_positive")]

    def __str__(self):
        return f"{self.recovery.number} · 订单 {self.order.number}"


class Repayment(models.Model):
    recovery = models.ForeignKey(Recovery, verbose_name="资金追回", on_delete=models.PROTECT,
                                 related_name="repayments")
    amount = models.DecimalField("金额（元）", **MONEY_FIELD_KWARGS)
    reference = models.CharField("缴款凭证号", max_length=100)
    paid_on = models.DateField("缴款日期")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间")

    class Meta:
        db_table = "audit_repayment"  # the table keeps the name it had in the audit app
        verbose_name = "追回缴款"
        verbose_name_plural = "追回缴款"
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="repayment_positive"),
                       models.UniqueConstraint(fields=["recovery", "reference"], name="repayment_reference_once")]

    def __str__(self):
        return f"{self.recovery.number} 缴款 {self.amount} 元（{self.reference}）"


class DashboardMonth(models.Model):
    """The bureau dashboard's figures of one closed calendar month (local time), computed by the nightly job
    `audit.dashboard_rollup` from the same aggregate queries the page runs live: vouchers claimed and deductions
    made in the month by (category, district), redemption claims by state, orders by provider, complaints by
    state, deductions by programme year. The page reads closed months from here and computes the open month
    live; a closed month's figures still move (a voucher expires at year end, a claim is decided, an order is
    cancelled), so the job recomputes the last DASHBOARD_ROLLUP_MONTHS closed months every business day."""
    month = models.DateField("月份（当月1日）", unique=True)
    figures = models.JSONField("汇总数据", encoder=DjangoJSONEncoder)
    business_date = models.DateField("计算业务日")
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "监管驾驶舱月度汇总"
        verbose_name_plural = "监管驾驶舱月度汇总"
        ordering = ["month"]

    def __str__(self):
        return f"{self.month:%Y-%m} 月度汇总（{self.business_date:%Y-%m-%d} 计算）"
