"""年度服务绩效评价 (第十六条): the service center's yearly evaluation of each admitted provider, published."""
from django.conf import settings
from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition

from hangqifu.core import clock
from hangqifu.workflows.conditions import condition

from . import _perms


@condition(code="not_admitted",
           detail=lambda e: f"该服务机构当前为“{e.profile.get_state_display()}”，暂不能公布评价结果")
def provider_admitted(evaluation) -> bool:
    """第十六、十七条: the year's result is published for a provider still admitted; a suspended or removed
    provider's result waits (its removal is already decided elsewhere)."""
    return evaluation.profile.state == evaluation.profile.State.ADMITTED


class AnnualEvaluation(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "录入中"
        PUBLISHED = "published", "已公布"

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", "优秀"
        GOOD = "good", "良好"
        PASS = "pass", "合格"
        FAIL = "fail", "不合格"

    class AuditConclusion(models.TextChoices):
        NOT_AUDITED = "not_audited", "本年度未开展第三方审计核查"
        CLEAN = "clean", "审计核查未发现问题"
        MINOR = "minor", "发现问题，已整改"
        SERIOUS = "serious", "发现兑付内容与审计不符"

    profile = models.ForeignKey("providers.ProviderProfile", verbose_name="服务机构", on_delete=models.PROTECT,
                                related_name="evaluations")
    year = models.PositiveIntegerField("评价年度")
    state = FSMField("状态", default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    # from the year's rated orders (read again when published)
    rated_count = models.PositiveIntegerField("评价数", default=0)
    satisfied_count = models.PositiveIntegerField("满意/基本满意数", default=0)
    dissatisfied_count = models.PositiveIntegerField("不满意数", default=0)
    # entered by the service center
    benefit_score = models.DecimalField("服务效益评价得分", max_digits=5, decimal_places=2)
    benefit_note = models.TextField("服务效益评价说明")
    spot_checks = models.PositiveIntegerField("抽查次数", default=0)
    spot_checks_passed = models.PositiveIntegerField("抽查合格次数", default=0)
    complaints_upheld = models.PositiveIntegerField("经核实成立的投诉数", default=0)
    audit_conclusion = models.CharField("第三方审计核查", max_length=20, choices=AuditConclusion.choices,
                                        default=AuditConclusion.NOT_AUDITED)
    audit_institution = models.CharField("审计机构", max_length=200, blank=True)
    audit_note = models.TextField("审计核查记录", blank=True)
    # the rule's result (providers.evaluation)
    components = models.JSONField("分项得分", default=dict)
    score = models.DecimalField("综合得分", max_digits=5, decimal_places=2)
    grade = models.CharField("评价等级", max_length=20, choices=Grade.choices)
    vetoes = models.JSONField("直接评为不合格的情形", default=list, blank=True)
    removal = models.ForeignKey("providers.Removal", verbose_name="启动的清退程序", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("录入时间")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="公布人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField("公布时间", null=True, blank=True)

    class Meta:
        verbose_name = "年度服务绩效评价"
        verbose_name_plural = "年度服务绩效评价"
        ordering = ["-year", "profile__organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "year"], name="one_evaluation_per_provider_year"),
            models.CheckConstraint(name="evaluation_scores_0_100",
                                   condition=models.Q(benefit_score__gte=0, benefit_score__lte=100, score__gte=0,
                                                      score__lte=100)),
            models.CheckConstraint(name="evaluation_spot_checks_passed_le_checks",
                                   condition=models.Q(spot_checks_passed__lte=models.F("spot_checks"))),
            models.CheckConstraint(name="evaluation_ratings_add_up",
                                   condition=models.Q(satisfied_count__lte=models.F("rated_count"),
                                                      dissatisfied_count__lte=models.F("rated_count"))),
            # a published failing grade has opened removal
            models.CheckConstraint(name="evaluation_published_fail_opens_removal",
                                   condition=~models.Q(state="published", grade="fail", removal__isnull=True)),
        ]

    def __str__(self):
        return f"{self.profile} · {self.year} 年度评价"

    @transition(field=state, source=State.DRAFT, target=State.PUBLISHED, permission=_perms.service_center,
                conditions=[provider_admitted], custom={"action": "publish", "label": "公布评价结果"})
    def publish(self):
        self.published_at = clock.now()
