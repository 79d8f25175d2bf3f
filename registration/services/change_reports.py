"""Change reports (第九条): a registered holder reports a size reclassification or a major change in
operation, with evidence, within the policy's working days of the change (official calendar).

Consequences: a reclassification to a large enterprise, or a change the holder declares may remove its
eligibility (第六条), suspends its active qualifications at once — vouchers frozen, not voided — until staff
review the report and reinstate or revoke. A late report does not suspend by itself but is a staff task on
the service center's home page until reviewed: 第九条 lets the platform cancel the rights of a holder that
did not report in time, so staff decide (keep or revoke). Both are audited and notified."""
from datetime import date

from django.db import transaction

from hangqifu.accounts.roles import Role
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, NotFound, NotPermitted, RuleViolation
from hangqifu.documents.services import document_store
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire, transition_check
from hangqifu.policy.services import policy_for
from hangqifu.workdays.services import working_deadline

from ..models import ChangeReport, Qualification, SizeClass, SuspensionCause
from . import qualification as qualification_services
from .common import page_url

EVIDENCE_KIND = "change_evidence"


def change_report_deadline(change_date: date):
    """change date + the policy's working days (the policy of the change's year, else the current one)."""
    try:
        policy = policy_for(change_date.year)
    except NotFound:
        policy = policy_for()
    return working_deadline(change_date, policy.change_report_working_days)


@transaction.atomic
def change_report_create(*, actor, change_kind: str, change_date, description: str, evidence,
                         new_size_class: str = "", affects_eligibility: bool = False) -> ChangeReport:
    if not actor.has_role(Role.ENTERPRISE, Role.PARK) or not actor.organisation_id:
        raise NotPermitted("只有中小微企业或小微企业园账号可以报告变更")
    errors = {}
    if change_kind not in ChangeReport.ChangeKind.values:
        errors["change_kind"] = ["变化类型只能是 size_reclassification（规模划型变化）或 major_change（经营重大变化）"]
    if isinstance(change_date, str):
        try:
            change_date = date.fromisoformat(change_date)
        except ValueError:
            errors["change_date"] = ["日期格式应为 YYYY-MM-DD"]
    today = clock.today()
    if isinstance(change_date, date) and change_date > today:
        errors["change_date"] = ["变化发生日期不能晚于今天"]
    if not (description or "").strip():
        errors["description"] = ["请说明变化情况"]
    if new_size_class and new_size_class not in SizeClass.values:
        errors["new_size_class"] = ["规模类型无效"]
    if change_kind == ChangeReport.ChangeKind.SIZE_RECLASSIFICATION and not new_size_class:
        errors["new_size_class"] = ["规模划型变化请填写变化后的规模"]
    if evidence is None:
        errors["evidence"] = ["请上传证明材料"]
    if errors:
        raise InvalidInput("变更报告有误，请按提示修改", fields=errors)
    qualification = (Qualification.objects.filter(organisation_id=actor.organisation_id)
                     .order_by("-year").first())
    if qualification is None:
        raise RuleViolation("本单位尚未取得服务券资格，无需报告变更", code="not_eligible")
    deadline = change_report_deadline(change_date)
    report = ChangeReport.objects.create(
        organisation_id=actor.organisation_id, qualification=qualification, reported_by=actor,
        change_kind=change_kind, change_date=change_date, description=description.strip(),
        new_size_class=new_size_class, reported_on=today, deadline=deadline.date,
        deadline_provisional=deadline.provisional, is_late=today > deadline.date,
        affects_eligibility=bool(affects_eligibility))
    document_store(owner=report, kind=EVIDENCE_KIND, uploaded_file=evidence, actor=actor,
                   allowed_kinds=[EVIDENCE_KIND])
    suspended = _suspend_pending_review(actor=actor, report=report)
    audit_record(actor=actor, action="change_report.create", obj=report, to_state=report.state,
                 payload={"change_kind": change_kind, "change_date": change_date, "deadline": deadline.date,
                          "provisional": deadline.provisional, "late": report.is_late,
                          "affects_eligibility": report.affects_eligibility, "suspended_qualifications": suspended})
    late = "（逾期报告）" if report.is_late else ""
    held = "；年度资格暂停、服务券冻结，待服务中心核查决定" if suspended else ""
    notify(subject=f"变更报告已提交{late}", organisation=report.organisation,
           url=page_url("registration:change-report-list"),
           body=f"报告期限 {report.deadline}{'（暂定）' if report.deadline_provisional else ''}，服务中心将核查{held}。")
    task = "（待决定是否取消资格）" if report.is_late else "（资格已暂停，待核查决定）" if suspended else ""
    notify(subject=f"新的变更报告{late}{task}：{report.organisation}", roles=[Role.SERVICE_CENTER],
           url=page_url("admin:registration_changereport_change", report.pk))
    return report


def removes_eligibility(report: ChangeReport) -> bool:
    return report.affects_eligibility or (report.change_kind == ChangeReport.ChangeKind.SIZE_RECLASSIFICATION
                                          and report.new_size_class == SizeClass.LARGE)


def _suspend_pending_review(*, actor, report: ChangeReport) -> list[int]:
    """Suspend the holder's active qualifications of this year and later when the change may remove its
    eligibility (the platform acts on the report; staff decide in change_report_review)."""
    if not removes_eligibility(report):
        return []
    why = ("划型变化为大型企业" if report.change_kind == ChangeReport.ChangeKind.SIZE_RECLASSIFICATION
           and report.new_size_class == SizeClass.LARGE else "报告的变化可能不再符合第六条条件")
    suspended = []
    for qualification in Qualification.objects.filter(organisation_id=report.organisation_id,
                                                      state=Qualification.State.ACTIVE,
                                                      year__gte=clock.current_year()).order_by("pk"):
        qualification_services.suspend(actor=actor, qualification=qualification, cause=SuspensionCause.CHANGE_REPORT,
                                       reason=f"变更报告（{report.change_date}）：{why}，待核查")
        suspended.append(qualification.pk)
    if suspended:
        report.suspended_qualification = True
        report.save(update_fields=["suspended_qualification"])
    return suspended


def _decide(*, actor, report: ChangeReport, decision: str, opinion: str) -> list[int]:
    """Apply the staff decision to the qualifications the report suspended (or, for revoke, to every
    qualification of the holder still in force)."""
    Decision = ChangeReport.Decision
    held = Qualification.objects.filter(organisation_id=report.organisation_id, state=Qualification.State.SUSPENDED,
                                        suspension_cause=SuspensionCause.CHANGE_REPORT)
    if decision == Decision.REINSTATE:
        touched = list(held.order_by("pk"))
        for qualification in touched:
            qualification_services.reinstate(actor=actor, qualification=qualification,
                                             reason=f"变更报告核查：{opinion}")
        return [q.pk for q in touched]
    if decision == Decision.REVOKE:
        touched = list(Qualification.objects.filter(
            organisation_id=report.organisation_id, year__gte=clock.current_year(),
            state__in=[Qualification.State.ACTIVE, Qualification.State.SUSPENDED]).order_by("pk"))
        for qualification in touched:
            qualification_services.qualification_revoke(actor=actor, qualification=qualification,
                                                        reason=f"变更报告核查：{opinion}")
        return [q.pk for q in touched]
    return []


def allowed_decisions(report: ChangeReport) -> list[str]:
    """A report that suspended the qualification ends in reinstate or revoke; any other in keep or revoke."""
    Decision = ChangeReport.Decision
    return [Decision.REINSTATE, Decision.REVOKE] if report.suspended_qualification else [Decision.KEEP, Decision.REVOKE]


@transaction.atomic
def change_report_review(*, actor, report, opinion: str, decision: str = "") -> ChangeReport:
    report = ChangeReport.objects.select_for_update().get(pk=report.pk)
    transition_check(report, "review", actor=actor, denied="只有市工信服务中心可以核查变更报告",
                     wrong_state="该变更报告已核查")
    opinion = (opinion or "").strip()
    if not opinion:
        raise InvalidInput("请填写核查意见", fields={"opinion": ["请填写核查意见"]})
    allowed = allowed_decisions(report)
    decision = decision or (ChangeReport.Decision.KEEP if ChangeReport.Decision.KEEP in allowed else "")
    if decision not in allowed:
        labels = "或".join(f"{d}（{ChangeReport.Decision(d).label}）" for d in allowed)
        raise InvalidInput(f"请作出核查决定：{labels}", fields={"decision": [f"可选：{labels}"]})
    touched = _decide(actor=actor, report=report, decision=decision, opinion=opinion)
    fire(report, "review", actor=actor, action="change_report.review", organisation=report.organisation,
         changes={"review_opinion": opinion, "decision": decision},
         payload={"opinion": opinion, "decision": decision, "qualifications": touched})
    notify(subject=f"变更报告已核查：{report.get_decision_display()}", body=f"核查意见：{opinion}",
           organisation=report.organisation, url=page_url("registration:change-report-list"))
    return report
