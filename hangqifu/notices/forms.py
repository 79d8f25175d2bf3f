from django import forms

from .models import NoticeItem


class ObjectionForm(forms.Form):
    item = forms.ModelChoiceField(label="针对的公示对象", queryset=NoticeItem.objects.none(), required=False,
                                  empty_label="整个公示")
    content = forms.CharField(label="异议内容", max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 5}),
                              help_text="请写明异议事实和理由，并可在内容中留下联系方式；异议人信息不对外公开",
                              error_messages={"required": "请填写异议内容"})

    def __init__(self, *args, notice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = notice.items.all()
        self.fields["item"].error_messages["invalid_choice"] = "所选公示对象不属于该公示"
