from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hangqifu.audit.services import audit_record
from hangqifu.core.errors import InvalidInput

from .models import Organisation, User
from .roles import STAFF_ROLES, Role
from .validators import PHONE_HELP, is_valid_credit_code, is_valid_phone, normalise_phone

# Says neither who holds the code nor that it exists: it points the rightful owner to the claim path.
CREDIT_CODE_UNAVAILABLE = ("该统一社会信用代码无法用于注册。如确为本单位的代码，请通过“信用代码归属申诉”"
                           "提交营业执照，由市工信服务中心核实后办理。")

SIGNUP_KINDS = {
    Organisation.Kind.ENTERPRISE: Role.ENTERPRISE,
    Organisation.Kind.PARK: Role.PARK,
    Organisation.Kind.PROVIDER: Role.PROVIDER,
}


def password_check(*, username: str, password: str, role: str, email: str = "") -> None:
    """The portal's password rules for a new account (raises InvalidInput)."""
    try:
        password_validation.validate_password(password, User(username=username, role=role, email=email))
    except ValidationError as exc:
        raise InvalidInput("密码不符合要求", fields={"password": exc.messages}) from exc


def user_create(*, username: str, password: str, role: str, organisation: Organisation | None = None,
                email: str = "", validate_password: bool = True) -> User:
    user = User(username=username, role=role, organisation=organisation, email=email,
                is_staff=role in STAFF_ROLES)
    if validate_password:
        password_check(username=username, password=password, role=role, email=email)
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get_or_create(name=role)[0]])
    return user


@transaction.atomic
def signup(*, username: str, password: str, kind: str, organisation_name: str, credit_code: str,
           email: str = "", contact_phone: str = "") -> User:
    """A new enterprise, park or provider account with its organisation."""
    errors = {}
    if kind not in SIGNUP_KINDS:
        errors["kind"] = ["类型只能是 enterprise（企业）、park（小微企业园）或 provider（服务机构）"]
    if not organisation_name.strip():
        errors["organisation_name"] = ["请填写组织名称"]
    credit_code = (credit_code or "").strip().upper()
    if not is_valid_credit_code(credit_code):
        errors["credit_code"] = ["统一社会信用代码无效：应为18位且校验位正确"]
    elif Organisation.objects.filter(credit_code=credit_code).exists():
        errors["credit_code"] = [CREDIT_CODE_UNAVAILABLE]
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["用户名已被使用"]
    if not username.strip():
        errors["username"] = ["请填写用户名"]
    contact_phone = normalise_phone(contact_phone)
    if contact_phone and not is_valid_phone(contact_phone):
        errors["contact_phone"] = [PHONE_HELP]
    if errors:
        raise InvalidInput("注册信息有误", fields=errors)
    try:
        organisation = Organisation.objects.create(kind=kind, name=organisation_name.strip(),
                                                   credit_code=credit_code, contact_phone=contact_phone)
    except IntegrityError as exc:  # a concurrent sign-up with the same code
        raise InvalidInput("注册信息有误", fields={"credit_code": [CREDIT_CODE_UNAVAILABLE]}) from exc
    user = user_create(username=username.strip(), password=password, role=SIGNUP_KINDS[kind],
                       organisation=organisation, email=email)
    audit_record(actor=user, action="account.signup", obj=organisation, payload={"kind": kind})
    return user
