from django import forms
from django.contrib.auth import get_user_model

from hangqifu.accounts.roles import Role
from hangqifu.core.choices import District, ServiceCategory

from .conditions import JUDGEMENT_ITEMS
from .models.applications import APPLICATION_DOCUMENT_KINDS, RUBRIC

DATE = forms.DateInput(attrs={"type": "date"})


class ApplicationForm(forms.Form):
    name = forms.CharField(label="机构名称", max_length=200)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18)
    established_on = forms.DateField(label="成立日期", widget=DATE)
    district = forms.ChoiceField(label="所在区、县（市）", choices=District.choices)
    revenue = forms.DecimalField(label="上年度营业收入（元）", max_digits=14, decimal_places=2, min_value=0)
    professional_staff = forms.IntegerField(label="专业服务人员数（以社保缴纳为准）", min_value=0)
    cases_last_year = forms.IntegerField(label="上年度杭州中小微企业/园区成功案例总数", min_value=0)
    categories = forms.MultipleChoiceField(label="申报服务类别", choices=ServiceCategory.choices,
                                           widget=forms.CheckboxSelectMultiple)


class ProposedProductForm(forms.Form):
    category = forms.ChoiceField(label="服务类别", choices=[("", "—")] + ServiceCategory.choices, required=False)
    title = forms.CharField(label="产品名称", max_length=200, required=False)
    description = forms.CharField(label="标准化服务内容", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    deliverables = forms.CharField(label="交付成果", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    duration_days = forms.IntegerField(label="服务周期（天）", min_value=1, required=False)
    price = forms.DecimalField(label="价格（元）", max_digits=14, decimal_places=2, required=False)
    last_year_average_price = forms.DecimalField(label="上年度平均合同金额（元）", max_digits=14, decimal_places=2,
                                                 required=False)
    cases_last_year = forms.IntegerField(label="上年度案例数", min_value=0, required=False)


ProposedProductFormSet = forms.formset_factory(ProposedProductForm, extra=0, min_num=1, max_num=20)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label="材料类型", choices=list(APPLICATION_DOCUMENT_KINDS.items()))
    file = forms.FileField(label="文件（PDF、JPG、PNG）")


class EvidenceForm(forms.Form):
    file = forms.FileField(label="定价依据证明（上年度同类产品合同及金额，PDF、JPG、PNG）")


class OpinionForm(forms.Form):
    opinion = forms.CharField(label="意见", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class PreReviewForm(forms.Form):
    """The formal pre-review; passing also records the reviewer's tick and note on each 第十四条 item that needs
    judgement (fixed premises, licences, serving mainly SMEs)."""
    passed = forms.TypedChoiceField(label="预审结论", choices=[("1", "通过"), ("0", "不通过，退回补正")],
                                    coerce=lambda v: v == "1", widget=forms.RadioSelect)
    opinion = forms.CharField(label="预审意见", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, (label, guidance) in JUDGEMENT_ITEMS.items():
            self.fields[f"met_{key}"] = forms.BooleanField(label=f"核验符合：{label}", required=False,
                                                           help_text=guidance)
            self.fields[f"note_{key}"] = forms.CharField(label=f"{label}核验说明", max_length=500, required=False,
                                                         widget=forms.TextInput(attrs={"placeholder": "依据的材料"}))

    def decision(self) -> dict:
        data = self.cleaned_data
        return {"passed": data["passed"], "opinion": data["opinion"],
                "judgements": {key: {"met": data[f"met_{key}"], "note": data[f"note_{key}"]}
                               for key in JUDGEMENT_ITEMS}}


class AssignExpertsForm(forms.Form):
    experts = forms.ModelMultipleChoiceField(label="评审专家", queryset=get_user_model().objects.none(),
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        experts = get_user_model().objects.filter(role=Role.EXPERT, is_active=True).order_by("username")
        if application is not None:  # offer only experts not yet assigned
            experts = experts.exclude(provider_assignments__application=application)
        self.fields["experts"].queryset = experts
        self.fields["experts"].label_from_instance = lambda u: u.get_full_name() or u.username


class ReviewForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, (label, maximum) in RUBRIC.items():
            self.fields[key] = forms.DecimalField(label=f"{label}（0–{maximum} 分）", min_value=0, max_value=maximum,
                                                  max_digits=5, decimal_places=2)
        self.fields["opinion"] = forms.CharField(label="评审意见", widget=forms.Textarea(attrs={"rows": 4}))

    def scores(self) -> dict:
        return {key: self.cleaned_data[key] for key in RUBRIC}


class SelectionReviewForm(forms.Form):
    """The round's expert panel or third-party institution's review of a product added after admission."""
    reviewer_name = forms.CharField(label="评审方（专家组或第三方机构名称）", max_length=200)
    score = forms.DecimalField(label="评审得分（0–100）", min_value=0, max_value=100, max_digits=5, decimal_places=2)
    opinion = forms.CharField(label="评审意见", widget=forms.Textarea(attrs={"rows": 3}))


class ConflictForm(forms.Form):
    provider_name = forms.CharField(label="关联机构名称", max_length=200)
    credit_code = forms.CharField(label="关联机构统一社会信用代码", max_length=18)
    relation = forms.CharField(label="关联关系", max_length=200, help_text="如：曾任职、持股、亲属任职、近三年有业务往来")


class ProductForm(forms.Form):
    category = forms.ChoiceField(label="服务类别", choices=ServiceCategory.choices)
    title = forms.CharField(label="产品名称", max_length=200)
    description = forms.CharField(label="标准化服务内容", widget=forms.Textarea(attrs={"rows": 4}))
    deliverables = forms.CharField(label="交付成果", widget=forms.Textarea(attrs={"rows": 3}))
    duration_days = forms.IntegerField(label="服务周期（天）", min_value=1)
    price = forms.DecimalField(label="价格（元）", max_digits=14, decimal_places=2)
    last_year_average_price = forms.DecimalField(label="上年度同一产品平均合同金额（元）", max_digits=14,
                                                 decimal_places=2, help_text="定价依据；价格高于此金额时会提示审核人员")


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=100)
    category = forms.ChoiceField(label="服务类别", choices=[("", "全部")] + ServiceCategory.choices, required=False)
    district = forms.ChoiceField(label="区、县（市）", choices=[("", "全部")] + District.choices, required=False)
    min_price = forms.DecimalField(label="最低价格", required=False, min_value=0, max_digits=14, decimal_places=2)
    max_price = forms.DecimalField(label="最高价格", required=False, min_value=0, max_digits=14, decimal_places=2)
    ordering = forms.ChoiceField(label="排序", required=False, choices=[
        ("newest", "最新上架"), ("satisfaction", "满意度"), ("orders", "订单数"), ("price", "价格从低到高"),
        ("-price", "价格从高到低")])
