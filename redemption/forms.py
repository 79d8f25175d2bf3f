from django import forms

from hangqifu.documents.kinds import kind_label

from .models import CLAIM_DOCUMENT_KINDS


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label="材料类型", choices=[(k, kind_label(k)) for k in CLAIM_DOCUMENT_KINDS])
    file = forms.FileField(label="文件（PDF/JPG/PNG）")


class OpinionForm(forms.Form):
    opinion = forms.CharField(label="意见", widget=forms.Textarea(attrs={"rows": 2}))


class BatchOpenForm(forms.Form):
    period_start = forms.DateField(label="归集审批日期起", widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label="归集审批日期止", widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text="此日期前审批通过且尚未结算的兑付申请纳入本批次")
    payment_expected_on = forms.DateField(label="预计拨付日期", required=False,
                                          widget=forms.DateInput(attrs={"type": "date"}))
    announcement = forms.CharField(label="批次公告", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ConfirmPaymentForm(forms.Form):
    reference = forms.CharField(label="亲清在线支付流水号", max_length=100)
    paid_at = forms.DateTimeField(label="支付时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                  input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])


class FailPaymentForm(forms.Form):
    reason = forms.CharField(label="失败原因", max_length=200)


class BulkConfirmForm(ConfirmPaymentForm):
    """One 亲清在线 run confirmed for every unpaid line under the page's filter."""
    reference = forms.CharField(label="亲清在线批量支付批次号", max_length=80)
    state = forms.ChoiceField(choices=[("", "全部"), ("pending", "待支付"), ("failed", "支付失败，待重新支付")],
                              required=False)
