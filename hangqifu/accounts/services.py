from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.services import audit_record
from hangqifu.core.errors import InvalidInput

from .models import Organisation, User
from .roles import STAFF_ROLES, Role
from .validators import is_valid_credit_code

SIGNUP_KINDS = {
    Organisation.Kind.ENTERPRISE: Role.ENTERPRISE,
    Organisation.Kind.PARK: Role.PARK,
    Organisation.Kind.PROVIDER: Role.PROVIDER,
}


def user_create(*, username: str, password: str, role: str, organisation: Organisation | None = None,
                email: str = "", validate_password: bool = True) -> User:
    user = User(username=username, role=role, organisation=organisation, email=email,
                is_staff=role in STAFF_ROLES)
    if validate_password:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput("密码不符合要求", fields={"password": exc.messages}) from exc
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
        errors["credit_code"] = ["该统一社会信用代码已注册，请使用已有账号登录"]
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["用户名已被使用"]
    if not username.strip():
        errors["username"] = ["请填写用户名"]
    if errors:
        raise InvalidInput("注册信息有误", fields=errors)
    try:
        organisation = Organisation.objects.create(kind=kind, name=organisation_name.strip(),
                                                   credit_code=credit_code, contact_phone=contact_phone)
    except IntegrityError as exc:  # a concurrent sign-up with the same code
        raise InvalidInput("该统一社会信用代码已注册", fields={"credit_code": ["该统一社会信用代码已注册"]}) from exc
    user = user_create(username=username.strip(), password=password, role=SIGNUP_KINDS[kind],
                       organisation=organisation, email=email)
    audit_record(actor=user, action="account.signup", obj=organisation, payload={"kind": kind})
    return user
