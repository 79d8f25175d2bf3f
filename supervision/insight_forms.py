"""Forms of the insight pages: fraud confirmation, repayments, spot checks."""
import re

from django import forms

from hangqifu.accounts.models import Organisation
from sanctions import services as sanctions

from .models import SpotCheck, SpotCheckItem

DATE = forms.DateInput(attrs={"type": "date"})


def _ids(text: str) -> list[int]:
    """"12, 15 D20260000017" → [12, 15, 17]: plain ids or the displayed numbers (D…/DF…)."""
    ids = []
    for token in re.split(r"[\s,，、;；]+", text or ""):
        if not token:
            continue
        match = re.fullmatch(r"(?:DF?\d{4})?0*(\d+)", token.strip().upper())
        if not match:
            raise forms.ValidationError(f"“{token}”不是有效的编号")
        ids.append(int(match.group(1)))
    return ids


class FraudConfirmForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="责任主体", queryset=Organisation.objects.filter(kind__in=sanctions.SANCTIONABLE_KINDS).order_by("name"),
        error_messages={"required": "请选择责任主体", "invalid_choice": "请选择有效的组织"})
    reason = forms.CharField(label="认定事实（虚报、冒领情形）", widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": "必须填写认定事实"})
    orders = forms.CharField(label="涉及订单编号", required=False, help_text="多个用逗号或空格分隔，如 D20260000012")
    claims = forms.CharField(label="涉及兑付申请编号", required=False, help_text="如 DF2026000003；其全部订单均追回")
    ban_years = forms.IntegerField(label="禁止年限", min_value=1, max_value=sanctions.MAX_BAN_YEARS,
                                   error_messages={"required": "请填写禁止年限", "min_value": "至少 1 年",
                                                   "max_value": f"最多 {sanctions.MAX_BAN_YEARS} 年"})

    def clean_orders(self):
        return _ids(self.cleaned_data["orders"])

    def clean_claims(self):
        return _ids(self.cleaned_data["claims"])


class RepaymentForm(forms.Form):
    amount = forms.DecimalField(label="缴款金额（元）", max_digits=14, decimal_places=2, min_value=0.01,
                                error_messages={"required": "请填写金额", "invalid": "请输入金额"})
    reference = forms.CharField(label="缴款凭证号", max_length=100, error_messages={"required": "请填写缴款凭证号"})
    paid_on = forms.DateField(label="缴款日期", widget=DATE, error_messages={"required": "请填写缴款日期",
                                                                         "invalid": "日期格式应为 YYYY-MM-DD"})


class SpotCheckForm(forms.Form):
    title = forms.CharField(label="抽查名称", max_length=200, error_messages={"required": "请填写抽查名称"})
    target = forms.ChoiceField(label="抽查对象", choices=SpotCheck.Target.choices)
    method = forms.ChoiceField(label="抽样方法", choices=SpotCheck.Method.choices,
                               help_text="按风险分加权：疑点线索分值越高越容易被抽中")
    period_start = forms.DateField(label="期间起", widget=DATE, error_messages={"required": "请填写期间起"})
    period_end = forms.DateField(label="期间止", widget=DATE, error_messages={"required": "请填写期间止"})
    sample_size = forms.IntegerField(label="样本量", min_value=1, error_messages={"required": "请填写样本量",
                                                                               "min_value": "至少 1 个"})
    seed = forms.IntegerField(label="随机种子（可选）", required=False, min_value=0,
                              help_text="留空自动生成；填入已有抽查的种子可复现其样本")


class FindingForm(forms.Form):
    finding = forms.ChoiceField(label="核查结果", choices=[c for c in SpotCheckItem.Finding.choices
                                                        if c[0] != SpotCheckItem.Finding.PENDING])
    notes = forms.CharField(label="核查记录", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(label="佐证材料（PDF/JPG/PNG）", required=False)


class CloseForm(forms.Form):
    conclusion = forms.CharField(label="核查结论", widget=forms.Textarea(attrs={"rows": 4}),
                                 error_messages={"required": "请填写核查结论"})
