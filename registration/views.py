"""Pages for enterprises and parks: the registration wizard (each step saves the draft), the status page,
my qualification and change reports."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hangqifu.accounts.roles import Role
from hangqifu.core import clock
from hangqifu.core.errors import DomainError
from hangqifu.core.outcome import add_domain_errors, form_submit, found_or_404, page_outcome
from hangqifu.documents.kinds import kind_label
from hangqifu.documents.selectors import documents_for

from . import permissions
from .forms import BasicInfoForm, ChangeReportForm, HonoursForm, RegistrationUploadForm, ScaleForm
from .letters import commitment_letter_response
from .models import HolderKind, RegistrationApplication
from .selectors import eligibility
from .selectors import registration as selectors
from .services import change_reports as change_services
from .services import registration as services

STEPS = {1: "基本信息", 2: "规模与领域", 3: "荣誉称号", 4: "上传材料", 5: "确认提交"}
STEP_FORMS = {1: BasicInfoForm, 2: ScaleForm, 3: HonoursForm}


def _holder_required(view):
    def wrapped(request, *args, **kwargs):
        if not request.user.has_role(Role.ENTERPRISE, Role.PARK):
            raise Http404
        return view(request, *args, **kwargs)
    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return login_required(wrapped)


def _steps_for(registration) -> list[int]:
    return [s for s in STEPS if not (s == 2 and registration.kind == HolderKind.PARK)]


def _own(request, pk) -> RegistrationApplication:
    return found_or_404(selectors.registration_get(user=request.user, pk=pk), "申请不存在")


@_holder_required
def my_registrations(request):
    rows = selectors.registration_list(user=request.user)
    year = clock.current_year()
    current = next((r for r in rows if r.year == year and r.state != RegistrationApplication.State.REJECTED), None)
    return render(request, "registration/qualification/list.html", {"rows": rows, "current": current, "year": year})


@_holder_required
def wizard_start(request):
    """Step 1 of a new application: saving it creates the draft."""
    existing = selectors.registration_list(user=request.user, filters={"year": clock.current_year()}).exclude(
        state=RegistrationApplication.State.REJECTED).first()
    if existing:
        return redirect("registration:registration-detail", existing.pk)
    organisation = request.user.organisation
    form = BasicInfoForm(request.POST or None, initial={"name": organisation.name, "district": organisation.district,
                                                        "contact_name": organisation.contact_name,
                                                        "contact_phone": organisation.contact_phone})
    done, registration = form_submit(request, form, services.registration_create)
    if done:
        messages.success(request, "基本信息已保存")
        return redirect("registration:registration-step", registration.pk, _steps_for(registration)[1])
    return render(request, "registration/qualification/wizard.html", {
        "form": form, "step": 1, "steps": _step_nav(None), "organisation": organisation})


def _step_nav(registration):
    steps = _steps_for(registration) if registration else list(STEPS)
    return [{"number": n, "title": STEPS[n], "index": i + 1} for i, n in enumerate(steps)]


def _initial(registration, step):
    if step == 3:
        return {"honours": registration.honours}
    fields = STEP_FORMS[step].base_fields
    return {name: getattr(registration, name) for name in fields}


@_holder_required
def wizard_step(request, pk: int, step: int):
    registration = _own(request, pk)
    if step not in _steps_for(registration):
        raise Http404
    if not registration.is_editable:
        messages.info(request, "申请已提交，不能再修改")
        return redirect("registration:registration-detail", registration.pk)
    steps = _steps_for(registration)
    next_step = steps[steps.index(step) + 1] if step != steps[-1] else None
    context = {"registration": registration, "step": step, "steps": _step_nav(registration),
               "progress": int(100 * (steps.index(step)) / len(steps)), "prev_step": (
                   steps[steps.index(step) - 1] if step != steps[0] else None)}
    if step in STEP_FORMS:
        kwargs = {"kind": registration.kind} if step == 3 else {}
        form = STEP_FORMS[step](request.POST or None, initial=_initial(registration, step), **kwargs)
        done, _ = form_submit(request, form, services.registration_update, registration=registration,
                              wizard_step=next_step)
        if done:
            messages.success(request, f"“{STEPS[step]}”已保存")
            return redirect("registration:registration-step", registration.pk, next_step)
        context["form"] = form
    elif step == 4:
        return _upload_step(request, registration, context, next_step)
    else:
        context["checklist"] = eligibility.compute_checklist(registration)
        context["missing"] = eligibility.missing_documents(registration)
    return render(request, "registration/qualification/wizard.html", context)


def _upload_step(request, registration, context, next_step):
    kinds = eligibility.REQUIRED_DOCUMENTS[registration.kind] + (
        [eligibility.D.HONOUR_EVIDENCE] if registration.honours else [])
    form = RegistrationUploadForm(request.POST or None, request.FILES or None, kinds=kinds,
                                  honours=registration.honours)
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_document_add(actor=request.user, registration=registration,
                                               kind=form.cleaned_data["kind"], uploaded_file=form.cleaned_data["file"],
                                               honour=form.cleaned_data.get("honour", ""))
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, f"已上传：{kind_label(form.cleaned_data['kind'])}")
            return redirect("registration:registration-step", registration.pk, 4)
    missing = eligibility.missing_documents(registration)
    context.update({"form": form, "documents": documents_for(registration), "missing": missing,
                    "next_step": next_step,
                    "required": [{"kind": k, "label": eligibility.D(k).label, "done": eligibility.D(k).label not in missing}
                                 for k in eligibility.REQUIRED_DOCUMENTS[registration.kind]]})
    return render(request, "registration/qualification/wizard.html", context)


@require_POST
@_holder_required
def document_remove(request, pk: int, document_id: int):
    registration = _own(request, pk)
    with page_outcome(request, done="材料已删除"):
        services.registration_document_remove(actor=request.user, registration=registration, document_id=document_id)
    return redirect("registration:registration-step", registration.pk, 4)


@require_POST
@_holder_required
def submit(request, pk: int):
    registration = _own(request, pk)
    try:
        services.registration_submit(actor=request.user, registration=registration)
    except DomainError as exc:
        # the review step lists the missing documents itself: say so once, not the list a second time
        messages.error(request, "尚有材料未上传，请按下方“尚缺材料”补齐后再提交" if exc.code == "invalid_document"
                       else exc.message())
        return redirect("registration:registration-step", registration.pk, 5)
    messages.success(request, "申请已提交，请等待市工信服务中心形式预审")
    return redirect("registration:registration-detail", registration.pk)


@login_required
def registration_detail(request, pk: int):
    """Status page: state, timeline of audit events, reviewer opinions, checklist, documents."""

    registration = _own(request, pk)
    qualification = registration.qualifications.first()
    return render(request, "registration/qualification/detail.html", {
        "registration": registration, "timeline": selectors.registration_timeline(registration),
        "documents": documents_for(registration), "qualification": qualification,
        "is_owner": permissions.is_holder_of(request.user, registration.organisation_id),
        "resume_step": min(registration.wizard_step, 5) if registration.wizard_step in _steps_for(registration)
        else _steps_for(registration)[0],
    })


@login_required
def commitment_letter(request, pk: int):
    return commitment_letter_response(_own(request, pk))


@_holder_required
def my_qualification(request):
    rows = list(selectors.qualification_list(user=request.user))
    year = clock.current_year()
    current = next((q for q in rows if q.year == year), None)
    pending = selectors.registration_list(user=request.user, filters={"year": year}).exclude(
        state__in=[RegistrationApplication.State.REJECTED, RegistrationApplication.State.APPROVED]).first()
    return render(request, "registration/qualification/qualification.html", {
        "current": current, "rows": rows, "year": year, "pending": pending,
        "used_percent": int(100 * current.used / current.quota) if current and current.quota else 0})


@_holder_required
def change_reports(request):
    form = ChangeReportForm(request.POST or None, request.FILES or None)
    done, report = form_submit(request, form, change_services.change_report_create)
    if done:
        note = "（已超过报告期限，服务中心将核查）" if report.is_late else ""
        messages.success(request, f"变更报告已提交，报告期限为 {report.deadline}{note}")
        return redirect("registration:change-report-list")
    page = Paginator(selectors.change_report_list(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "registration/qualification/change_reports.html", {"form": form, "page": page})
