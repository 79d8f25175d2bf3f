from django import forms

from .complaints import OBJECT_TYPE_LABELS, complaint_handlers


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
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = complaint_handlers()
