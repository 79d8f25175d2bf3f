from django import forms

from hangqifu.accounts.models import Organisation

from . import sanctions
from .labels import object_type_choices
from .selectors import REVERSED_RANGE


class SanctionForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="被处理组织", queryset=Organisation.objects.filter(kind__in=sanctions.SANCTIONABLE_KINDS).order_by("name"),
        error_messages={"required": "请选择被处理组织", "invalid_choice": "请选择有效的组织"})
    reason = forms.CharField(label="处理事由（经查实的违规情形）", widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": "必须填写处理事由"})
    ban_years = forms.IntegerField(label="禁止年限", min_value=1, max_value=sanctions.MAX_BAN_YEARS,
                                   help_text="第二十条：默认取年度政策参数中的违规禁入年限",
                                   error_messages={"required": "请填写禁止年限", "invalid": "请输入整数",
                                                   "min_value": "至少 1 年",
                                                   "max_value": f"最多 {sanctions.MAX_BAN_YEARS} 年"})


class LiftForm(forms.Form):
    reason = forms.CharField(label="撤销理由", widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "必须填写撤销理由"})


class ComplaintForm(forms.Form):
    """Filed by the public (name and contact required) or by a logged-in user (both optional)."""

    subject = forms.CharField(label="投诉标题", max_length=200, error_messages={"required": "请填写投诉标题"})
    content = forms.CharField(label="投诉内容", widget=forms.Textarea(attrs={"rows": 6}), max_length=5000,
                              help_text="请写明时间、经过和诉求；可附对象编号，便于核查",
                              error_messages={"required": "投诉内容不能为空"})
    object_type = forms.ChoiceField(label="投诉对象（可选）", required=False)
    object_id = forms.CharField(label="对象编号（可选）", max_length=64, required=False,
                                help_text="如订单号、兑付申请号、组织编号")
    name = forms.CharField(label="投诉人姓名", max_length=100, required=False)
    contact = forms.CharField(label="联系方式（手机或邮箱）", max_length=100, required=False,
                              help_text="用于凭投诉编号查询办理进度")

    def __init__(self, *args, user=None, **kwargs):
        from .complaints import OBJECT_TYPE_LABELS

        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "（不针对具体对象）"), *OBJECT_TYPE_LABELS.items()]
        anonymous = user is None or not user.is_authenticated
        self.fields["name"].required = self.fields["contact"].required = anonymous
        self.fields["name"].error_messages["required"] = "请填写投诉人姓名"
        self.fields["contact"].error_messages["required"] = "请填写联系方式，以便查询办理进度和接收答复"


class TrackForm(forms.Form):
    tracking_number = forms.CharField(label="投诉编号", max_length=20, error_messages={"required": "请填写投诉编号"})
    contact = forms.CharField(label="投诉时填写的联系方式", max_length=100,
                              error_messages={"required": "请填写联系方式"})


class FindingsForm(forms.Form):
    findings = forms.CharField(label="调查结论", widget=forms.Textarea(attrs={"rows": 5}),
                               error_messages={"required": "请填写调查结论"})


class AssignForm(forms.Form):
    handler = forms.ModelChoiceField(label="承办人", queryset=None, error_messages={"required": "请选择承办人"})

    def __init__(self, *args, **kwargs):
        from .complaints import complaint_handlers

        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = complaint_handlers()


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label="操作人账号", required=False, max_length=150)
    organisation = forms.CharField(label="组织（名称或编号）", required=False, max_length=200)
    action = forms.CharField(label="动作", required=False, max_length=100,
                             help_text="动作名称中的字词，如 抵扣、兑付、违规处理")
    object_type = forms.ChoiceField(label="对象类型", required=False, choices=object_type_choices,
                                    error_messages={"invalid_choice": "请选择列表中的对象类型"})
    object_id = forms.CharField(label="对象编号", required=False, max_length=64)
    since = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"invalid": "请输入有效的日期"})
    until = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"invalid": "请输入有效的日期"})

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError(REVERSED_RANGE, code="reversed_range")
        return cleaned
