from django import forms

from hangqifu.accounts.models import Organisation

from . import services as sanctions


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
