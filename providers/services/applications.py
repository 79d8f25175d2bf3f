"""Admission (第十五条): apply → pre-review → expert review → bureau confirms → public notice → admitted."""
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.accounts.validators import is_valid_credit_code
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.choices import District, ServiceCategory
from hangqifu.core.errors import InvalidInput, NotPermitted, RuleViolation
from hangqifu.core.money import yuan
from hangqifu.core.partial import given
from hangqifu.documents.selectors import documents_for
from hangqifu.documents.services import document_store
from hangqifu.notices.services import notice_publish
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire, transition_check
from sanctions.services import assert_not_banned

from ..conditions import assert_hard_conditions, assert_judgements_recorded, clean_judgements, credit_hits
from ..models import ApplicationProduct, Product, ProviderApplication, ProviderProfile, SelectionRound
from ..models._perms import is_owner
from ..models.applications import APPLICATION_DOCUMENT_KINDS, REQUIRED_APPLICATION_DOCUMENTS
from ..selectors import open_rounds
from .suspension import admission_suspend

NOTICE_KIND = "provider_admission"
APPLICATION_FIELDS = ["name", "credit_code", "established_on", "district", "revenue", "professional_staff",
                      "cases_last_year", "categories"]


def _application_url(application) -> str:
    return reverse("providers:application-detail", args=[application.pk])


def _clean_products(products) -> tuple[list[dict], dict]:
    cleaned, errors = [], {}
    for index, item in enumerate(products or []):
        problems = []
        category = item.get("category")
        if category not in ServiceCategory.values:
            problems.append("服务类别必须是十类服务之一")
        title = (item.get("title") or "").strip()
        if not title:
            problems.append("请填写产品名称")
        description = (item.get("description") or "").strip()
        if not description:
            problems.append("请填写标准化服务内容")
        amounts = {}
        for field, label in (("price", "价格"), ("last_year_average_price", "上年度平均合同金额")):
            try:
                amounts[field] = yuan(item.get(field))
            except ValueError:
                problems.append(f"{label}格式不正确")
                continue
            if amounts[field] <= 0:
                problems.append(f"{label}必须大于 0")
        try:
            cases = int(item.get("cases_last_year", 0))
            duration = int(item.get("duration_days") or 30)
            if cases < 0 or duration <= 0:
                raise ValueError
        except (TypeError, ValueError):
            problems.append("案例数不能为负数，服务周期须为正整数")
            cases = duration = 0
        if problems:
            errors[f"products[{index}]"] = problems
            continue
        cleaned.append({"category": category, "title": title, "description": description,
                        "deliverables": (item.get("deliverables") or "").strip(), "duration_days": duration,
                        "cases_last_year": cases, **amounts})
    return cleaned, errors


def _clean_fields(data: dict, organisation) -> dict:
    errors = {}
    credit_code = (data.get("credit_code") or "").strip().upper()
    if not is_valid_credit_code(credit_code):
        errors["credit_code"] = ["统一社会信用代码无效"]
    elif organisation.credit_code and credit_code != organisation.credit_code:
        errors["credit_code"] = ["须与本机构注册的统一社会信用代码一致"]
    if not (data.get("name") or "").strip():
        errors["name"] = ["请填写机构名称"]
    established_on = data.get("established_on")
    if not isinstance(established_on, date):
        errors["established_on"] = ["请填写成立日期"]
    elif established_on > clock.today():
        errors["established_on"] = ["成立日期不能晚于今天"]
    if data.get("district") not in District.values:
        errors["district"] = ["请选择杭州市的区、县（市）"]
    try:
        revenue = yuan(data.get("revenue"))
        if revenue < 0:
            errors["revenue"] = ["营业收入不能为负数"]
    except ValueError:
        errors["revenue"] = ["营业收入格式不正确"]
        revenue = Decimal("0")
    for field in ("professional_staff", "cases_last_year"):
        value = data.get(field)
        if not isinstance(value, int) or value < 0:
            errors[field] = ["请填写不小于 0 的整数"]
    categories = list(dict.fromkeys(data.get("categories") or []))
    if not categories:
        errors["categories"] = ["至少选择一类服务"]
    elif any(c not in ServiceCategory.values for c in categories):
        errors["categories"] = ["服务类别必须在十类服务范围内"]
    if errors:
        raise InvalidInput("申请信息有误", fields=errors)
    return {**{f: data[f] for f in APPLICATION_FIELDS if f in data}, "name": data["name"].strip(),
            "credit_code": credit_code, "revenue": revenue, "categories": categories}


def _check_owner(actor, organisation_id):
    if not is_owner(organisation_id, actor):
        raise NotPermitted("只有服务机构本机构账号可以办理")


@transaction.atomic
def application_create(*, actor, round: SelectionRound | None = None, name: str, credit_code: str,
                       established_on: date, district: str, revenue: Decimal, professional_staff: int,
                       cases_last_year: int, categories: list[str],
                       products: list[dict] | None = None) -> ProviderApplication:
    """A draft application by a provider account for an open selection round (the open one when not given),
    with its proposed products."""
    data = {"name": name, "credit_code": credit_code, "established_on": established_on, "district": district,
            "revenue": revenue, "professional_staff": professional_staff, "cases_last_year": cases_last_year,
            "categories": categories}
    if not actor.has_role(Role.PROVIDER) or actor.organisation_id is None:
        raise NotPermitted("只有服务机构账号可以申请入驻")
    organisation = actor.organisation
    if round is None:
        round = open_rounds().first()
    if round is None or not round.is_open():
        raise RuleViolation("当前没有开放申报的遴选批次", code="round_closed")
    if ProviderProfile.objects.filter(organisation=organisation, state=ProviderProfile.State.ADMITTED).exists():
        raise RuleViolation("本机构已入驻，无需重复申请", code="already_admitted")
    fields = _clean_fields(data, organisation)
    cleaned_products, errors = _clean_products(products)
    if errors:
        raise InvalidInput("申报产品信息有误", fields=errors)
    try:
        with transaction.atomic():
            application = ProviderApplication.objects.create(organisation=organisation, round=round,
                                                             applicant=actor, **fields)
    except IntegrityError as exc:
        raise RuleViolation("本机构已在该批次提交过申请", code="duplicate_application") from exc
    ApplicationProduct.objects.bulk_create(ApplicationProduct(application=application, **p) for p in cleaned_products)
    audit_record(actor=actor, action="provider_application.create", obj=application, to_state=application.state,
                 organisation=organisation)
    return application


@transaction.atomic
def application_update(*, actor, application: ProviderApplication, name: str | None = None,
                       credit_code: str | None = None, established_on: date | None = None, district: str | None = None,
                       revenue: Decimal | None = None, professional_staff: int | None = None,
                       cases_last_year: int | None = None, categories: list[str] | None = None,
                       products: list[dict] | None = None) -> ProviderApplication:
    """Edit a draft or returned application: the fields given (None: unchanged); products replaced when given."""
    data = given(name=name, credit_code=credit_code, established_on=established_on, district=district,
                 revenue=revenue, professional_staff=professional_staff, cases_last_year=cases_last_year,
                 categories=categories)
    application = ProviderApplication.objects.select_for_update().get(pk=application.pk)
    _check_owner(actor, application.organisation_id)
    if application.state not in (ProviderApplication.State.DRAFT, ProviderApplication.State.RETURNED):
        raise RuleViolation("只有草稿或退回补正的申请可以修改", code="invalid_transition")
    current = {f: getattr(application, f) for f in APPLICATION_FIELDS}
    fields = _clean_fields({**current, **data}, application.organisation)
    if products is not None:
        cleaned_products, errors = _clean_products(products)
        if errors:
            raise InvalidInput("申报产品信息有误", fields=errors)
        application.products.all().delete()
        ApplicationProduct.objects.bulk_create(ApplicationProduct(application=application, **p)
                                               for p in cleaned_products)
    for field, value in fields.items():
        setattr(application, field, value)
    application.save(update_fields=[*fields, "updated_at"])
    audit_record(actor=actor, action="provider_application.update", obj=application,
                 organisation=application.organisation, payload={"fields": sorted(data)})
    return application


@transaction.atomic
def application_document_add(*, actor, application: ProviderApplication, kind: str, uploaded_file):
    application = ProviderApplication.objects.select_for_update().get(pk=application.pk)
    _check_owner(actor, application.organisation_id)
    if application.state not in (ProviderApplication.State.DRAFT, ProviderApplication.State.RETURNED):
        raise RuleViolation("申请已提交，不能再上传材料", code="invalid_transition")
    return document_store(owner=application, kind=kind, uploaded_file=uploaded_file, actor=actor,
                          allowed_kinds=list(APPLICATION_DOCUMENT_KINDS))


def missing_documents(application) -> list[str]:
    present = {doc.kind for doc in documents_for(application)}
    return [kind for kind in REQUIRED_APPLICATION_DOCUMENTS if kind not in present]


@transaction.atomic
def application_submit(*, actor, application: ProviderApplication) -> ProviderApplication:
    """Below-threshold values may be submitted (the checklist shows them red, and pre-review refuses them);
    missing materials may not. A resubmission clears the previous pre-review's judgement ticks."""
    application = ProviderApplication.objects.select_for_update().get(pk=application.pk)
    transition_check(application, "submit", actor=actor)
    assert_not_banned(application.organisation, entry_point="provider_admission")
    missing = missing_documents(application)
    if missing:
        raise InvalidInput("申请材料不齐全", code="missing_documents",
                           fields={kind: [f"请上传{APPLICATION_DOCUMENT_KINDS[kind]}"] for kind in missing})
    if not application.products.exists():
        raise InvalidInput("请至少申报一个服务产品", code="missing_products", fields={"products": ["至少一个产品"]})
    fire(application, "submit", actor=actor, action="provider_application.submit",
         organisation=application.organisation, changes={"condition_checks": {}})
    notify(subject=f"新的服务机构入驻申请待预审：{application.name}", url=_application_url(application),
           roles=[Role.SERVICE_CENTER])
    return application


def _decide(*, actor, application, transition: str, action: str, opinion: str, opinion_field: str,
            require_opinion: bool, subject: str, check=None) -> ProviderApplication:
    """Lock, check (403 before 409), run the rule `check(application)` may add, fire, tell the provider."""
    application = ProviderApplication.objects.select_for_update().get(pk=application.pk)
    transition_check(application, transition, actor=actor)
    extra_fields = check(application) if check else []
    opinion = (opinion or "").strip()
    if require_opinion and not opinion:
        raise InvalidInput("请填写意见", fields={"opinion": ["请填写意见"]})
    fire(application, transition, actor=actor, action=f"provider_application.{action}", fields=extra_fields,
         changes={opinion_field: opinion}, organisation=application.organisation, payload={"opinion": opinion})
    notify(subject=subject.format(name=application.name), body=opinion, url=_application_url(application),
           organisation=application.organisation)
    return application


@transaction.atomic
def application_pre_review(*, actor, application, passed: bool, opinion: str = "",
                           judgements: dict | None = None) -> ProviderApplication:
    """Formal pre-review by the service center: passed → awaits expert review; failed → returned for correction.
    Passing needs every 第十四条 hard condition met on the day (figures as submitted, credit as listed today)
    and each judgement item ticked met with a note (`judgements`: {key: {"met": true, "note": …}})."""
    if passed:
        def conditions_met(locked):
            assert_hard_conditions(locked, on=clock.today(), act="通过形式预审")
            locked.condition_checks = clean_judgements(judgements, actor=actor)
            return ["condition_checks"]

        application = _decide(actor=actor, application=application, transition="pre_review", action="pre_review",
                              opinion=opinion, opinion_field="pre_review_opinion", require_opinion=False,
                              subject="入驻申请通过形式预审：{name}", check=conditions_met)
        audit_record(actor=actor, action="provider_application.conditions_checked", obj=application,
                     organisation=application.organisation,
                     payload={"on": clock.today().isoformat(), "judgements": {k: v["note"] for k, v in
                                                                  application.condition_checks.items()}})
        return application
    return _decide(actor=actor, application=application, transition="return_for_correction", action="return",
                   opinion=opinion, opinion_field="pre_review_opinion", require_opinion=True,
                   subject="入驻申请未通过形式预审，请补正后重新提交：{name}")


@transaction.atomic
def application_return(*, actor, application, opinion: str) -> ProviderApplication:
    return _decide(actor=actor, application=application, transition="return_for_correction", action="return",
                   opinion=opinion, opinion_field="decision_opinion", require_opinion=True,
                   subject="入驻申请被退回补正：{name}")


@transaction.atomic
def application_reject(*, actor, application, opinion: str) -> ProviderApplication:
    return _decide(actor=actor, application=application, transition="reject", action="reject", opinion=opinion,
                   opinion_field="decision_opinion", require_opinion=True, subject="入驻申请未通过：{name}")


@transaction.atomic
def application_confirm(*, actor, application, opinion: str = "") -> ProviderApplication:
    """The bureau confirms one applicant; the confirmation publishes its public notice at once."""
    return applications_confirm(actor=actor, applications=[application], opinion=opinion)[0]


@transaction.atomic
def applications_confirm(*, actor, applications, opinion: str = "") -> list[ProviderApplication]:
    """The bureau confirms several applicants of one round together: one public notice lists them all; an
    objection holds only the provider it concerns."""

    confirmed = []
    for application in sorted(applications, key=lambda a: a.pk):
        application = ProviderApplication.objects.select_for_update().get(pk=application.pk)
        transition_check(application, "confirm", actor=actor)
        assert_not_banned(application.organisation, entry_point="provider_admission")
        assert_hard_conditions(application, on=clock.today(), act="确认入选")
        assert_judgements_recorded(application)
        confirmed.append(application)
    rounds = {a.round_id for a in confirmed}
    if len(rounds) != 1:
        raise InvalidInput("一次只能确认同一遴选批次的申请")
    round = confirmed[0].round
    opinion = (opinion or "").strip()
    lines = [f"{i}. {a.name}（统一社会信用代码 {a.credit_code}，{a.get_district_display()}，服务类别："
             f"{'、'.join(ServiceCategory(c).label for c in a.categories)}）" for i, a in enumerate(confirmed, 1)]
    notice = notice_publish(
        kind=NOTICE_KIND, title=f"{round.title}拟入驻服务机构名单公示",
        body="根据《杭州市中小微企业服务券管理办法》第十五条，经形式预审、专家评审和市经信局确认，"
             "现将拟入驻服务机构名单予以公示。公示期内如有异议，请在线提出。\n" + "\n".join(lines),
        items=[(a, a.name) for a in confirmed], actor=actor)
    for application in confirmed:
        fire(application, "confirm", actor=actor, action="provider_application.confirm",
             changes={"decision_opinion": opinion, "notice_id": notice.pk},
             organisation=application.organisation, payload={"opinion": opinion})
        fire(application, "publish", actor=actor, system=True, action="provider_application.notice",
             organisation=application.organisation, payload={"notice": notice.pk})
    return confirmed  # notice_publish tells each provider its notice is open


@transaction.atomic
def application_admit(*, application, actor=None) -> ProviderApplication:
    """The notice closed clear for this provider: admitted, its proposed products become drafts to submit."""
    application = ProviderApplication.objects.select_for_update().get(pk=application.pk)
    transition_check(application, "admit", system=True)
    admitted_at = clock.now()
    profile = ProviderProfile.objects.select_for_update().filter(organisation=application.organisation).first()
    profile_fields = {"district": application.district, "categories": application.categories,
                      "round": application.round, "application": application, "admitted_at": admitted_at}
    if profile is None:
        profile = ProviderProfile.objects.create(organisation=application.organisation, **profile_fields)
    else:
        if profile.state == ProviderProfile.State.REMOVED:
            fire(profile, "readmit", actor=actor, system=True, action="provider.readmit",
                 organisation=application.organisation, payload={"application": application.pk})
        for field, value in profile_fields.items():
            setattr(profile, field, value)
        profile.save()
    organisation = application.organisation
    if organisation.district != application.district:
        organisation.district = application.district
        organisation.save(update_fields=["district"])
    Product.objects.bulk_create(
        Product(provider=organisation, category=p.category, title=p.title, description=p.description,
                deliverables=p.deliverables or p.description, duration_days=p.duration_days, price=p.price,
                last_year_average_price=p.last_year_average_price, selection_round=application.round,
                selected_at=admitted_at)
        for p in application.products.all())
    fire(application, "admit", actor=actor, system=True, action="provider_application.admit",
         changes={"admitted_at": admitted_at}, organisation=organisation, payload={"profile": profile.pk})
    notify(subject="恭喜，贵机构已通过公示正式入驻杭企服",
           body="申报的服务产品已生成草稿，请核对定价依据并上传证明后提交审核，审核通过即在产品目录上架。",
           url=reverse("providers:my-products"), organisation=organisation)
    # 第六条: listed while its notice was open, it is admitted and suspended at once, as a list import would have
    # done had it been admitted then; only a documented delisting lifts it.
    hits = credit_hits(application.credit_code, clock.today())
    if hits:
        admission_suspend(actor=actor, organisation_id=organisation.pk,
                          reason=f"公示期满时列入失信名单（{'；'.join(hits)}）")
    return application


@transaction.atomic
def application_objection_upheld(*, application, actor=None) -> ProviderApplication:
    application = ProviderApplication.objects.select_for_update().get(pk=application.pk)
    fire(application, "objection_upheld", actor=actor, system=True, action="provider_application.objection_upheld",
         organisation=application.organisation, changes={"decision_opinion": "公示期内异议经核实成立，不予入驻"})
    notify(subject=f"入驻申请公示期异议成立，不予入驻：{application.name}", url=_application_url(application),
           organisation=application.organisation)
    return application
