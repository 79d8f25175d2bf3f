"""Page forms of the registration wizard and change reports: they parse the input (types, choices, dates not in the
future); the services decide the rules."""
from django import forms

from hangqifu.core import clock
from hangqifu.core.choices import District, Honour, Industry, Sector
from hangqifu.documents.kinds import kind_label
from hangqifu.documents.serializers import ACCEPT

from .models import ChangeReport, HolderKind, SizeClass
from .selectors.eligibility import HONOURS_FOR_KIND


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class BasicInfoForm(forms.Form):
    name = forms.CharField(label="名称", max_length=200)
    established_on = forms.DateField(label="成立日期", widget=DateInput())
    district = forms.ChoiceField(label="所在区、县（市）", choices=[("", "请选择")] + District.choices)
    independent_legal_person = forms.BooleanField(label="本单位具有独立法人资格", required=False)
    contact_name = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=30, required=False)

    def clean_established_on(self):
        value = self.cleaned_data["established_on"]
        if value > clock.today():
            raise forms.ValidationError("成立日期不能晚于今天")
        return value


class ScaleForm(forms.Form):
    industry = forms.ChoiceField(label="所属行业（用于划型）", choices=[("", "请选择")] + Industry.choices)
    sector = forms.ChoiceField(label="产业领域", choices=[("", "请选择")] + Sector.choices,
                               help_text="服务券支持制造业和数字经济领域的中小微企业")
    employees = forms.IntegerField(label="从业人员（人）", min_value=0)
    revenue = forms.DecimalField(label="上年度营业收入（元）", min_value=0, max_digits=14, decimal_places=2)
    total_assets = forms.DecimalField(label="资产总额（元）", min_value=0, max_digits=14, decimal_places=2)


class HonoursForm(forms.Form):
    honours = forms.MultipleChoiceField(label="申报的荣誉称号（可多选，需上传证明材料，由服务中心确认）",
                                        required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, kind=HolderKind.ENTERPRISE, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["honours"].choices = [(h.value, h.label) for h in HONOURS_FOR_KIND[kind]]


class RegistrationUploadForm(forms.Form):
    kind = forms.ChoiceField(label="材料类型")
    honour = forms.ChoiceField(label="对应荣誉称号（荣誉证明材料）", required=False)
    file = forms.FileField(label="文件", allow_empty_file=True, help_text="PDF、JPG 或 PNG，按文件内容识别格式",
                           widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))

    def __init__(self, *args, kinds=(), honours=(), **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["kind"].choices = [(k, kind_label(k)) for k in kinds]
        self.fields["honour"].choices = [("", "—")] + [(h, Honour(h).label) for h in honours]
        if not honours:
            del self.fields["honour"]


class ChangeReportForm(forms.Form):
    change_kind = forms.ChoiceField(label="变化类型", choices=ChangeReport.ChangeKind.choices)
    change_date = forms.DateField(label="变化发生日期", widget=DateInput())
    new_size_class = forms.ChoiceField(label="变化后规模（规模划型变化时填写）", required=False,
                                       choices=[("", "—")] + SizeClass.choices)
    description = forms.CharField(label="变化情况说明", widget=forms.Textarea(attrs={"rows": 4}))
    affects_eligibility = forms.BooleanField(
        label="该变化可能使本单位不再符合申领条件（如不再属于制造业或数字经济领域、不再具有独立法人资格、小微园认定失效）",
        required=False, help_text="勾选或划型变为大型企业时，年度资格暂停、服务券冻结，待服务中心核查决定")
    evidence = forms.FileField(label="证明材料", allow_empty_file=True, help_text="PDF、JPG 或 PNG",
                               widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))


