from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django_fsm import FSMField, transition

from hangqifu.accounts.predicates import nobody

from . import permissions as perms

KIND_LABELS = {
    "provider_admission": "服务机构入驻公示",
    "provider_removal": "服务机构清退公示",
    "redemption": "服务券兑付公示",
    "settlement": "服务券兑付结算公示",
    "general": "公示",
}


class PublicNotice(models.Model):
    """公示: published for a window of N working days; anyone logged in may object while it is open."""

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "公示中"
        CLOSED_CLEAR = "closed_clear", "公示期满无异议"
        CLOSED_OBJECTED = "closed_objected", "公示期满有异议"

    kind = models.CharField("公示类型", max_length=50, db_index=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文", blank=True)
    state = FSMField("状态", max_length=20, choices=State.choices, default=State.DRAFT, protected=True)
    working_days = models.PositiveSmallIntegerField("公示期（工作日）")
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    closes_at = models.DateTimeField("公示截止时间", null=True, blank=True)
    window_provisional = models.BooleanField("截止日按暂定日历计算", default=False)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "公示"
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["state", "closes_at"], name="notice_state_closes_idx")]

    def __str__(self):
        return self.title

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, "公示")

    @property
    def is_public(self) -> bool:
        return self.state != self.State.DRAFT

    def user_can_view(self, user) -> bool:
        """Published and closed notices (and their attachments) are public; drafts only for staff."""
        if self.is_public:
            return True
        return perms.can_publish_notices(user)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("notices:detail", args=[self.pk])

    @transition(field=state, source=State.DRAFT, target=State.PUBLISHED, permission=perms.notice_publisher,
                custom={"label": "发布公示"})
    def publish(self):
        pass

    @transition(field=state, source=State.PUBLISHED, target=State.CLOSED_CLEAR, permission=nobody,
                custom={"label": "公示期满无异议"})
    def close_clear(self):
        pass

    @transition(field=state, source=State.PUBLISHED, target=State.CLOSED_OBJECTED, permission=nobody,
                custom={"label": "公示期满有异议"})
    def close_objected(self):
        pass


class NoticeItem(models.Model):
    """One object on the notice (a provider, a redemption claim …). The owning app's notice handler is
    told when the item clears or is withdrawn."""

    class State(models.TextChoices):
        LISTED = "listed", "公示中"
        HELD = "held", "异议待处理"
        CLEARED = "cleared", "公示通过"
        WITHDRAWN = "withdrawn", "异议成立，已撤回"

    notice = models.ForeignKey(PublicNotice, verbose_name="公示", on_delete=models.CASCADE, related_name="items")
    content_type = models.ForeignKey(ContentType, verbose_name="对象类型", on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField("对象编号", max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    label = models.CharField("公示内容", max_length=300)
    state = FSMField("状态", max_length=20, choices=State.choices, default=State.LISTED, protected=True)
    decided_at = models.DateTimeField("结论时间", null=True, blank=True)

    class Meta:
        verbose_name = "公示对象"
        verbose_name_plural = "公示对象"
        ordering = ["id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="notice_item_subject_idx")]

    def __str__(self):
        return self.label

    @transition(field=state, source=State.LISTED, target=State.HELD, permission=nobody)
    def hold(self):
        pass

    @transition(field=state, source=[State.LISTED, State.HELD], target=State.CLEARED, permission=nobody)
    def clear(self):
        pass

    @transition(field=state, source=[State.LISTED, State.HELD], target=State.WITHDRAWN, permission=nobody)
    def withdraw(self):
        pass


class Objection(models.Model):
    """异议 filed by a logged-in user during the window, against one item or the whole notice."""

    class State(models.TextChoices):
        OPEN = "open", "待处理"
        UPHELD = "upheld", "异议成立"
        DISMISSED = "dismissed", "异议不成立"

    notice = models.ForeignKey(PublicNotice, verbose_name="公示", on_delete=models.CASCADE, related_name="objections")
    item = models.ForeignKey(NoticeItem, verbose_name="针对的公示对象", null=True, blank=True,
                             on_delete=models.CASCADE, related_name="objections",
                             help_text="为空表示针对整个公示")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="异议人", on_delete=models.PROTECT,
                             related_name="+")
    content = models.TextField("异议内容")
    created_at = models.DateTimeField("提出时间")
    state = FSMField("状态", max_length=20, choices=State.choices, default=State.OPEN, protected=True)
    opinion = models.TextField("处理意见", blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="处理人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.notice} 的异议 #{self.pk}"

    @transition(field=state, source=State.OPEN, target=State.UPHELD, permission=perms.objection_resolver,
                custom={"action": "resolve", "label": "异议成立"})
    def uphold(self):
        pass

    @transition(field=state, source=State.OPEN, target=State.DISMISSED, permission=perms.objection_resolver,
                custom={"action": "resolve", "label": "异议不成立"})
    def dismiss(self):
        pass
