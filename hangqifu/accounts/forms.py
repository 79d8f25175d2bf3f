from django import forms

from .services import SIGNUP_KINDS
from .validators import PHONE_HELP


class SignupForm(forms.Form):
    kind = forms.ChoiceField(label="账号类型", choices=[(k.value, k.label) for k in SIGNUP_KINDS])
    organisation_name = forms.CharField(label="组织名称", max_length=200)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18,
                                  help_text="18 位，数字或大写字母（营业执照上可查）")
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput, help_text="至少10位，同时包含字母和数字")
    password_again = forms.CharField(label="确认密码", widget=forms.PasswordInput)
    email = forms.EmailField(label="电子邮箱", required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=30, required=False, help_text=PHONE_HELP,
                                    widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "两次输入的密码不一致")
        return data


class CreditClaimForm(forms.Form):
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, min_length=18)
    organisation_name = forms.CharField(label="单位名称（与营业执照一致）", max_length=200)
    kind = forms.ChoiceField(label="账号类型", choices=[(k.value, k.label) for k in SIGNUP_KINDS])
    business_licence = forms.FileField(label="营业执照（PDF、JPG 或 PNG）")
    contact_name = forms.CharField(label="联系人", max_length=50)
    contact_phone = forms.CharField(label="联系电话", max_length=30)
    email = forms.EmailField(label="电子邮箱", required=False)
    username = forms.CharField(label="核实后使用的用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput, help_text="至少10位，同时包含字母和数字")


class CreditClaimDecisionForm(forms.Form):
    note = forms.CharField(label="核实情况 / 驳回理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
