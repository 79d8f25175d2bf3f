from django import forms

from hangqifu.audit.labels import object_type_choices
from hangqifu.audit.selectors import REVERSED_RANGE


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
