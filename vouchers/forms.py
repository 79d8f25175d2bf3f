"""Page forms of the money core (fund, batch, order, completion, rating, deduction). Forms only parse;
services decide."""
from django import forms
from django.forms import formset_factory

from hangqifu.core import clock
from hangqifu.core.choices import ServiceCategory
from hangqifu.documents.serializers import ACCEPT

from .models.orders import Satisfaction

_FILE = {"accept": ACCEPT}


def show_domain_error(form, exc) -> None:
    """A refused action: the service's Chinese message on top, field details next to their fields."""
    form.add_error(None, exc.detail)
    for name, messages in (exc.fields or {}).items():
        if name in form.fields and name not in form.errors:
            form.add_error(name, messages if isinstance(messages, list) else [str(messages)])


class FundForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    total = forms.DecimalField(label="年度资金总额（元）", max_digits=14, decimal_places=2, min_value=0.01)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = clock.current_year()


class BatchForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = forms.CharField(label="批次名称", max_length=100, required=False, help_text="留空则自动生成")
    opens_at = forms.DateTimeField(label="开始领取时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    closes_at = forms.DateTimeField(label="截止领取时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    valid_until = forms.DateField(label="服务券有效期至", required=False, help_text="留空则为当年 12 月 31 日",
                                  widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = clock.current_year()


class VoucherTypeForm(forms.Form):
    category = forms.ChoiceField(label="服务类别", choices=[("", "—")] + list(ServiceCategory.choices), required=False)
    face_value = forms.DecimalField(label="面额（元）", max_digits=14, decimal_places=2, min_value=0.01, required=False)
    count = forms.IntegerField(label="发放数量", min_value=1, required=False)


VoucherTypeFormSet = formset_factory(VoucherTypeForm, extra=4, max_num=10)


class OrderForm(forms.Form):
    product = forms.TypedChoiceField(label="服务产品", coerce=int)
    amount = forms.DecimalField(label="合同实际金额（元）", max_digits=14, decimal_places=2,
                                help_text="与服务机构签订的合同金额，不高于产品标价")
    contract = forms.FileField(label="服务合同（双方盖章）", widget=forms.ClearableFileInput(attrs=_FILE),
                               help_text="PDF、JPG 或 PNG")

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [
            (p.pk, f"{p.title}（{p.provider.name}，{p.get_category_display()}，¥{p.price}）") for p in products]


class FileForm(forms.Form):
    file = forms.FileField(label="文件", widget=forms.ClearableFileInput(attrs=_FILE), help_text="PDF、JPG 或 PNG")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class CompleteForm(forms.Form):
    service_records = MultipleFileField(label="服务记录（交付成果、服务台账等）", required=False,
                                        widget=MultipleFileInput(attrs={**_FILE, "multiple": True}))
    note = forms.CharField(label="服务完成说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RateForm(forms.Form):
    satisfaction = forms.ChoiceField(label="满意度", choices=Satisfaction.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label="评价意见", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="评价为“不满意”时必须填写原因")


class DeductForm(forms.Form):
    voucher = forms.TypedChoiceField(label="使用的服务券", coerce=int)
    amount = forms.DecimalField(label="抵扣金额（元）", max_digits=14, decimal_places=2)
    declares_no_other_subsidy = forms.BooleanField(
        label="本单位承诺：该订单未享受对标提升、创新券、数改券等政策支持（第八条，不得重复享受）", required=False)

    def __init__(self, *args, vouchers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["voucher"].choices = [
            (v.pk, f"{v.number} {v.get_category_display()} 余额 ¥{v.balance}（有效期至 {v.expires_on:%Y-%m-%d}），"
                   f"本单最多 ¥{maximum}") for v, maximum in vouchers]


class CancelForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=200, required=False)
