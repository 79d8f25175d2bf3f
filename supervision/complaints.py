"""第十八条 complaints: filed by anyone (the public with name and contact, or any logged-in user), about an
object or not; the service center investigates: received → investigating → resolved / dismissed.

The complainant never learns whether the object named exists or is visible to them: the object is stored
as given and only staff resolve it."""
import re
import secrets

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, InvalidTransition, NotPermitted
from hangqifu.notifications.services import notify
from hangqifu.policy.models import PolicyYear
from hangqifu.workdays.services import working_deadline
from hangqifu.workflows.transitions import available_actions, fire, transition_check

from .models import Complaint
from .permissions import can_handle_complaints


def resolve_working_days() -> int:
    """The year's `complaint_working_days`; anyone may complain even before the bureau sets up a year."""
    policy = PolicyYear.objects.filter(year=clock.current_year()).only("complaint_working_days").first()
    return policy.complaint_working_days if policy else PolicyYear._meta.get_field("complaint_working_days").default


# Object types are model names in lower case (API.md); two friendly aliases from the API examples.
OBJECT_TYPE_ALIASES = {"registration": "registrationapplication", "provider": "organisation"}
COMPLAINABLE_APPS = ("accounts", "registration", "vouchers", "providers", "redemption", "notices")
OBJECT_TYPE_LABELS = {
    "order": "服务订单", "product": "服务产品", "organisation": "企业或服务机构", "redemptionclaim": "兑付申请",
    "voucher": "服务券", "registrationapplication": "注册申请", "providerapplication": "服务机构入驻申请",
    "publicnotice": "公示",
}
_OBJECT_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def complaint_model(object_type: str):
    """The model a complaint's object_type names, or None."""
    for app_label in COMPLAINABLE_APPS:
        try:
            return apps.get_model(app_label, object_type)
        except LookupError:
            continue
    return None


def complaint_object(complaint: Complaint):
    """For staff only: the object the complaint names, or None when it does not exist."""
    if not complaint.object_type:
        return None
    model = complaint_model(complaint.object_type)
    if model is None:
        return None
    try:
        pk = model._meta.pk.to_python(complaint.object_id)
    except ValidationError:
        return None
    return model._default_manager.filter(pk=pk).first()


def _new_tracking_number() -> str:
    return f"TS{clock.today():%Y%m%d}{''.join(secrets.choice(_TRACKING_ALPHABET) for _ in range(6))}"


def _clean_object(object_type: str, object_id) -> tuple[str, str]:
    object_type = (object_type or "").strip().lower()
    object_id = str(object_id or "").strip()
    if not object_type and not object_id:
        return "", ""
    if not object_type or not object_id:
        missing = "object_type" if not object_type else "object_id"
        raise InvalidInput("投诉对象的类型和编号须同时填写", fields={missing: ["请同时填写投诉对象的类型和编号"]})
    object_type = OBJECT_TYPE_ALIASES.get(object_type, object_type)
    if not _OBJECT_TYPE_RE.match(object_type) or complaint_model(object_type) is None:
        raise InvalidInput("不支持的投诉对象类型", fields={"object_type": ["不支持的投诉对象类型"]})
    if len(object_id) > 64:
        raise InvalidInput("投诉对象编号过长", fields={"object_id": ["编号过长"]})
    return object_type, object_id


# A complaint is read by a person: 5,000 characters is several pages; more is a flood, not a complaint.
MAX_COMPLAINT_LENGTH = 5000


@transaction.atomic
def complaint_file(*, actor=None, subject: str, content: str, contact: str = "", name: str = "",
                   object_type: str = "", object_id="") -> Complaint:
    """File a complaint. `actor` is the logged-in user, or None for a member of the public (then name and
    contact are required, and the tracking number with the contact is how they follow it)."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    subject, content = (subject or "").strip(), (content or "").strip()
    name, contact = (name or "").strip(), (contact or "").strip()
    errors = {}
    if not content:
        errors["content"] = ["投诉内容不能为空"]
    if not subject:
        errors["subject"] = ["请填写投诉标题"]
    if actor is None:
        if not name:
            errors["name"] = ["请填写投诉人姓名"]
        if not contact:
            errors["contact"] = ["请填写联系方式，以便查询办理进度和接收答复"]
    if len(subject) > 200:
        errors["subject"] = ["标题不能超过 200 字"]
    if len(content) > MAX_COMPLAINT_LENGTH:
        errors["content"] = [f"投诉内容不能超过 {MAX_COMPLAINT_LENGTH} 字，详细材料可在受理后补充"]
    if len(contact) > 100 or len(name) > 100:
        errors.setdefault("contact", ["联系方式或姓名过长"])
    if errors:
        code = "content_required" if not content else "invalid"
        raise InvalidInput(next(iter(errors.values()))[0], code=code, fields=errors)
    object_type, object_id = _clean_object(object_type, object_id)
    if actor is not None:
        name = name or actor.get_full_name() or actor.username
        contact = contact or actor.phone or actor.email
    filed_at = clock.now()
    deadline = working_deadline(clock.today(), resolve_working_days())
    complaint = Complaint.objects.create(
        tracking_number=_new_tracking_number(), complainant=actor, complainant_name=name, contact=contact,
        subject=subject, content=content, object_type=object_type, object_id=object_id, filed_at=filed_at,
        due_on=deadline.date, due_on_provisional=deadline.provisional,
    )
    audit_record(actor=actor, action="complaint.file", obj=complaint, to_state=complaint.state,
                 organisation=getattr(actor, "organisation", None),
                 payload={"subject": subject, "object_type": object_type, "object_id": object_id,
                          "public": actor is None, "due_on": complaint.due_on})
    _tell_complainant(complaint, f"投诉已受理（编号 {complaint.tracking_number}）",
                      f"您的投诉“{subject}”已受理，将在 {complaint.due_on:%Y-%m-%d} 前答复。")
    return complaint


def _tell_complainant(complaint: Complaint, subject: str, body: str) -> None:
    """In-app for users; the public follow their complaint with the tracking number and contact."""
    if complaint.complainant_id:
        notify(users=[complaint.complainant], subject=subject, body=body,
               url=reverse("audit:complaint-mine-detail", args=[complaint.pk]))


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


HANDLER_DENIED = "只有市工信服务中心工作人员可以办理投诉"


def _check_handler_role(actor) -> None:
    if not can_handle_complaints(actor):
        raise NotPermitted(HANDLER_DENIED)


def _valid_handler(handler):
    if not can_handle_complaints(handler):
        raise InvalidInput("承办人须为市工信服务中心工作人员", fields={"handler": ["请选择服务中心工作人员"]})
    return handler


@transaction.atomic
def complaint_start_investigation(*, actor, complaint: Complaint, handler=None) -> Complaint:
    complaint = _locked(complaint)
    transition_check(complaint, "start_investigation", actor=actor, denied=HANDLER_DENIED,
                     wrong_state="该投诉已在调查或已办结")
    handler = _valid_handler(handler or complaint.handler or actor)
    fire(complaint, "start_investigation", actor=actor, action="complaint.start_investigation",
         changes={"handler": handler, "investigation_started_at": clock.now()}, organisation=actor.organisation,
         payload={"handler": handler.username})
    _tell_complainant(complaint, f"投诉进入调查（编号 {complaint.tracking_number}）",
                      f"您的投诉“{complaint.subject}”已由市工信服务中心开始调查。")
    if handler.pk != actor.pk:
        notify(users=[handler], subject=f"请承办投诉 {complaint.tracking_number}",
               url=reverse("audit:complaint-detail", args=[complaint.pk]))
    return complaint


def complaint_actions(complaint: Complaint, user) -> list[str]:
    """What `user` may do with the complaint now: the workflow's steps they may take (`available_actions`),
    then handing it over to a colleague while it is open (a change of handler, not of state)."""
    actions = available_actions(complaint, user)
    if complaint.is_open and can_handle_complaints(user):
        actions.append("assign")
    return actions


@transaction.atomic
def complaint_assign(*, actor, complaint: Complaint, handler) -> Complaint:
    """Hand an open complaint to another service-center colleague."""
    _check_handler_role(actor)
    complaint = _locked(complaint)
    if not complaint.is_open:
        raise InvalidTransition("已办结的投诉不能转交")
    handler = _valid_handler(handler)
    previous = complaint.handler.username if complaint.handler_id else ""
    complaint.handler = handler
    complaint.save(update_fields=["handler"])
    audit_record(actor=actor, action="complaint.assign", obj=complaint, from_state=complaint.state,
                 to_state=complaint.state, organisation=actor.organisation,
                 payload={"from": previous, "to": handler.username})
    notify(users=[handler], subject=f"请承办投诉 {complaint.tracking_number}",
           url=reverse("audit:complaint-detail", args=[complaint.pk]))
    return complaint


def _handler_denied(complaint: Complaint, actor) -> str:
    """Why `actor` may not close the complaint: not of the service center, or not its handler."""
    if can_handle_complaints(actor) and complaint.handler_id not in (None, actor.pk):
        return f"该投诉由 {complaint.handler.username} 承办，请先转交给您"
    return HANDLER_DENIED


def _close(*, actor, complaint: Complaint, findings: str, transition_name: str, verdict: str) -> Complaint:
    _check_handler_role(actor)
    findings = (findings or "").strip()
    if not findings:
        raise InvalidInput("请填写调查结论", code="findings_required", fields={"findings": ["请填写调查结论"]})
    complaint = _locked(complaint)
    fire(complaint, transition_name, actor=actor, action=f"complaint.{transition_name}",
         denied=_handler_denied(complaint, actor), wrong_state="只有调查中的投诉可以办结",
         changes={"findings": findings, "closed_at": clock.now()}, organisation=actor.organisation,
         payload={"findings": findings})
    _tell_complainant(complaint, f"投诉{verdict}（编号 {complaint.tracking_number}）",
                      f"您的投诉“{complaint.subject}”{verdict}。调查结论：{findings}")
    return complaint


@transaction.atomic
def complaint_resolve(*, actor, complaint: Complaint, findings: str) -> Complaint:
    return _close(actor=actor, complaint=complaint, findings=findings, transition_name="resolve", verdict="已办结")


@transaction.atomic
def complaint_dismiss(*, actor, complaint: Complaint, findings: str) -> Complaint:
    return _close(actor=actor, complaint=complaint, findings=findings, transition_name="dismiss",
                  verdict="经调查不予支持")


def complaint_flag_overdue() -> int:
    """Daily: remind the handler (or the whole service center when unassigned) once per overdue complaint."""
    today = clock.today()
    reminded = 0
    overdue = (Complaint.objects.filter(state__in=Complaint.OPEN_STATES, due_on__lt=today,
                                        overdue_notified_on__isnull=True).select_related("handler"))
    for complaint in overdue:
        with transaction.atomic():
            if not Complaint.objects.filter(pk=complaint.pk, overdue_notified_on__isnull=True).update(
                    overdue_notified_on=today):
                continue
            recipients = {"users": [complaint.handler]} if complaint.handler_id else {"roles": [Role.SERVICE_CENTER]}
            notify(subject=f"投诉已逾期未办结：{complaint.tracking_number}",
                   body=f"投诉“{complaint.subject}”的答复期限为 {complaint.due_on:%Y-%m-%d}，已逾期。",
                   url=reverse("audit:complaint-detail", args=[complaint.pk]), **recipients)
        reminded += 1
    return reminded


def complaint_track(*, tracking_number: str, contact: str) -> Complaint | None:
    """The public lookup: both the number and the contact given at filing must match."""
    tracking_number, contact = (tracking_number or "").strip().upper(), (contact or "").strip()
    if not tracking_number or not contact:
        return None
    return Complaint.objects.filter(tracking_number=tracking_number, contact=contact).first()


def complaint_handlers():
    return get_user_model().objects.filter(role=Role.SERVICE_CENTER, is_active=True).order_by("username")
