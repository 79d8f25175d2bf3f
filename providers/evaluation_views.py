"""Pages of the annual evaluation (第十六条): the published results for everyone; the service center's entry
list and form (the bureau reads them)."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hangqifu.accounts.roles import Role
from hangqifu.core import clock
from hangqifu.core.errors import DomainError
from hangqifu.core.outcome import form_submit
from hangqifu.workflows.transitions import action_offers

from .evaluation import EVALUATION_PASS_MARK, rule_text
from .models import AnnualEvaluation, ProviderProfile
from .models._perms import is_role
from .services.evaluations import evaluation_publish, evaluation_record


class EvaluationForm(forms.Form):
    benefit_score = forms.DecimalField(label="服务效益评价得分（0–100）", min_value=0, max_value=100, max_digits=5,
                                       decimal_places=2, help_text=f"低于 {EVALUATION_PASS_MARK} 分即为服务效益评价不合格")
    benefit_note = forms.CharField(label="服务效益评价说明", widget=forms.Textarea(attrs={"rows": 3}))
    spot_checks = forms.IntegerField(label="本年度抽查次数", min_value=0, initial=0)
    spot_checks_passed = forms.IntegerField(label="其中抽查合格次数", min_value=0, initial=0)
    complaints_upheld = forms.IntegerField(label="经核实成立的投诉数", min_value=0, initial=0)
    audit_conclusion = forms.ChoiceField(label="第三方审计核查", choices=AnnualEvaluation.AuditConclusion.choices)
    audit_institution = forms.CharField(label="审计机构", max_length=200, required=False)
    audit_note = forms.CharField(label="审计核查记录", widget=forms.Textarea(attrs={"rows": 3}), required=False)


def _year(request, default):
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 < int(value) < 2100 else default


def evaluations(request):
    """Public: the published results of a year, with the rule."""
    year = _year(request, clock.current_year() - 1)
    rows = (AnnualEvaluation.objects.filter(year=year, state=AnnualEvaluation.State.PUBLISHED)
            .select_related("profile__organisation").order_by("-score", "profile__organisation__name"))
    return render(request, "providers/evaluations.html", {"year": year, "rows": rows, "rule": rule_text()})


def _staff(request):
    if not is_role(request.user, Role.SERVICE_CENTER, Role.BUREAU):
        raise PermissionDenied


@login_required
def evaluations_manage(request):
    _staff(request)
    year = _year(request, clock.current_year() - 1)
    profiles = (ProviderProfile.objects.exclude(state=ProviderProfile.State.REMOVED).select_related("organisation")
                .prefetch_related(Prefetch("evaluations", queryset=AnnualEvaluation.objects.filter(year=year),
                                           to_attr="year_evaluations"))
                .order_by("organisation__name"))
    return render(request, "providers/evaluations_manage.html", {"year": year, "profiles": profiles,
                                                                  "rule": rule_text()})


@login_required
def evaluation_edit(request, year, profile_id):
    _staff(request)
    profile = ProviderProfile.objects.select_related("organisation").filter(pk=profile_id).first()
    if profile is None:
        raise Http404
    evaluation = AnnualEvaluation.objects.filter(profile=profile, year=year).select_related("removal").first()
    initial = {f: getattr(evaluation, f) for f in EvaluationForm.base_fields} if evaluation else None
    form = EvaluationForm(request.POST or None, initial=initial)
    done, _ = form_submit(request, form, evaluation_record, profile=profile, year=year)
    if done:
        messages.success(request, "评价已保存，核对后公布")
        return redirect("providers:evaluation-edit", year=year, profile_id=profile.pk)
    return render(request, "providers/evaluation_form.html", {
        "form": form, "profile": profile, "year": year, "evaluation": evaluation, "rule": rule_text(),
        "can_enter": is_role(request.user, Role.SERVICE_CENTER),
        "offers": action_offers(evaluation, request.user) if evaluation else {}})


@login_required
@require_POST
def evaluation_publish_view(request, year, profile_id):
    _staff(request)
    evaluation = AnnualEvaluation.objects.filter(profile_id=profile_id, year=year).first()
    if evaluation is None:
        raise Http404
    try:
        evaluation = evaluation_publish(actor=request.user, evaluation=evaluation)
    except DomainError as exc:
        messages.error(request, exc.message())
    else:
        messages.success(request, f"评价结果已公布：{evaluation.get_grade_display()}"
                         + ("，已启动清退程序" if evaluation.removal_id else ""))
    return redirect("providers:evaluation-edit", year=year, profile_id=profile_id)
