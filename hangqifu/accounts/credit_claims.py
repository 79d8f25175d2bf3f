"""Who owns a 统一社会信用代码. Sign-up refuses a code that is taken without saying by whom; a company whose
code was taken files a claim with its business licence, and the service center transfers the code (the holder
keeps its organisation and data without the code, the claimant's organisation and account are created with
it) or rejects the claim. Every step is audited."""
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, NotFound, RuleViolation
from hangqifu.documents.services import document_store
from hangqifu.workflows.transitions import fire, transition_check

from .models import CreditCodeClaim, Organisation, User
from .roles import Role
from .services import SIGNUP_KINDS, password_check
from .validators import is_valid_credit_code

DECIDER_ROLES = (Role.SERVICE_CENTER,)


@transaction.atomic
def credit_claim_file(*, credit_code: str, organisation_name: str, kind: str, contact_name: str,
                      contact_phone: str, email: str = "", username: str, password: str,
                      business_licence) -> CreditCodeClaim:
    """A company files a claim to its code (no account needed). The password is checked now and kept hashed
    until the transfer creates the account."""
    code = (credit_code or "").strip().upper()
    errors = {}
    if not is_valid_credit_code(code):
        errors["credit_code"] = ["统一社会信用代码无效：应为18位且校验位正确"]
    if kind not in SIGNUP_KINDS:
        errors["kind"] = ["请选择账号类型"]
    for field, value, label in (("organisation_name", organisation_name, "单位名称"), ("contact_name", contact_name, "联系人"),
                                ("contact_phone", contact_phone, "联系电话"), ("username", username, "用户名")):
        if not (value or "").strip():
            errors[field] = [f"请填写{label}"]
    if username and User.objects.filter(username__iexact=username.strip()).exists():
        errors["username"] = ["用户名已被使用，请换一个"]
    if errors:
        raise InvalidInput("申诉信息有误", fields=errors)
    password_check(username=username.strip(), password=password, role=SIGNUP_KINDS[kind], email=email or "")
    claim = CreditCodeClaim.objects.create(
        credit_code=code, organisation_name=organisation_name.strip(), kind=kind, contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(), email=(email or "").strip(), username=username.strip(),
        password_hash=make_password(password), holder=Organisation.objects.filter(credit_code=code).first(),
        filed_at=clock.now())
    document_store(owner=claim, kind="business_licence", uploaded_file=business_licence, actor=None,
                   allowed_kinds={"business_licence"})
    audit_record(action="credit_code.claim_filed", obj=claim, organisation=claim.holder,
                 payload={"credit_code": code, "claimant": claim.organisation_name,
                          "holder": getattr(claim.holder, "name", None)})
    return claim


def _decidable(claim_id: int, actor, transition: str) -> CreditCodeClaim:
    """The locked claim, once the actor may take `transition` on it and it still waits (404, then 403 before
    409)."""
    claim = CreditCodeClaim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None:
        raise NotFound("申诉不存在")
    transition_check(claim, transition, actor=actor, denied="只有市工信服务中心可以处理信用代码归属申诉",
                     wrong_state="该申诉已处理")
    return claim


@transaction.atomic
def credit_claim_transfer(*, claim_id: int, actor, note: str) -> CreditCodeClaim:
    """The licence proves the claimant owns the code: take it from the holder and give it to the claimant's
    new organisation and account."""
    claim = _decidable(claim_id, actor, "transfer")
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请填写核实情况", fields={"note": ["请写明如何核实了营业执照"]})
    holder = Organisation.objects.select_for_update().filter(credit_code=claim.credit_code).first()
    if holder is not None:
        holder.credit_code = None
        holder.save(update_fields=["credit_code"])
        audit_record(actor=actor, action="credit_code.taken_from_holder", obj=holder,
                     payload={"credit_code": claim.credit_code, "claim": claim.pk, "note": note})
    if User.objects.filter(username__iexact=claim.username).exists():
        raise RuleViolation("申请的用户名已被他人使用，请联系申诉人更换后重新提交", code="username_taken")
    organisation = Organisation.objects.create(kind=claim.kind, name=claim.organisation_name,
                                               credit_code=claim.credit_code, contact_name=claim.contact_name,
                                               contact_phone=claim.contact_phone)
    user = User(username=claim.username, role=SIGNUP_KINDS[claim.kind], organisation=organisation, email=claim.email,
                password=claim.password_hash)
    user.save()
    user.groups.set([Group.objects.get_or_create(name=user.role)[0]])
    fire(claim, "transfer", actor=actor, action="credit_code.transferred", organisation=organisation,
         changes={"decided_at": clock.now(), "decided_by": actor, "decision_note": note,
                  "new_organisation": organisation, "password_hash": ""},
         payload={"credit_code": claim.credit_code, "from": getattr(holder, "pk", None), "to": organisation.pk,
                  "user": user.username, "note": note})
    return claim


@transaction.atomic
def credit_claim_reject(*, claim_id: int, actor, note: str) -> CreditCodeClaim:
    claim = _decidable(claim_id, actor, "reject")
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请填写驳回理由", fields={"note": ["请填写驳回理由"]})
    fire(claim, "reject", actor=actor, action="credit_code.claim_rejected", organisation=claim.holder,
         changes={"decided_at": clock.now(), "decided_by": actor, "decision_note": note, "password_hash": ""},
         payload={"note": note})
    return claim
