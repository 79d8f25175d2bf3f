import time
from base64 import b32decode, b32encode
from binascii import hexlify

import factory
import pytest
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from hangqifu.accounts.models import Organisation, User
from hangqifu.accounts.roles import STAFF_ROLES, Role
from hangqifu.accounts.second_factor import totp_code
from hangqifu.accounts.second_factor_rule import requires_second_factor
from hangqifu.accounts.validators import make_credit_code
from hangqifu.core.choices import District

PASSWORD = "Test-password-2026"
# Staff test users get a confirmed authenticator with this secret (a second factor is required for them).
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.ENTERPRISE
    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    credit_code = factory.Sequence(lambda n: make_credit_code(f"91330106MA{n:07d}"))
    district = District.XIHU


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.ENTERPRISE
    is_staff = factory.LazyAttribute(lambda o: o.role in STAFF_ROLES)
    organisation = factory.LazyAttribute(lambda o: _organisation_for(o.role))
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role_group(self, create, extracted, **kwargs):
        if create:
            self.save()
            self.groups.add(Group.objects.get_or_create(name=self.role)[0])

    @factory.post_generation
    def second_factor(self, create, extracted, **kwargs):
        """Staff users are enrolled (UserFactory(second_factor=False) for one who is not)."""
        enrol = requires_second_factor(self) if extracted is None else extracted
        if create and enrol:
            give_second_factor(self)


def give_second_factor(user, secret: str = TEST_TOTP_SECRET):
    device = TOTPDevice.objects.create(user=user, name="动态口令", confirmed=True,
                                       key=hexlify(b32decode(secret)).decode())
    user._has_second_factor = True
    return device


_ORG_KIND = {
    Role.ENTERPRISE: Organisation.Kind.ENTERPRISE, Role.PARK: Organisation.Kind.PARK,
    Role.PROVIDER: Organisation.Kind.PROVIDER, Role.DISTRICT: Organisation.Kind.DISTRICT,
    Role.SERVICE_CENTER: Organisation.Kind.AGENCY, Role.BUREAU: Organisation.Kind.AGENCY,
    Role.FINANCE_BUREAU: Organisation.Kind.AGENCY,
}


def _organisation_for(role):
    kind = _ORG_KIND.get(role)
    if kind is None:
        return None
    if kind in (Organisation.Kind.AGENCY, Organisation.Kind.DISTRICT):
        return OrganisationFactory(kind=kind, credit_code=None)
    return OrganisationFactory(kind=kind)


def otp_code(user) -> str:
    """A code the user's authenticator shows that the portal accepts now. django-otp accepts the time steps
    within one of the current one (shifted by the drift it learned from earlier codes) and refuses a step at or
    before the last one used: take the first acceptable step, waiting for the next 30 seconds if none is."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    while True:
        centre = int(time.time()) // 30 + device.drift
        step = max(device.last_t + 1, centre)
        if step <= centre + 1:
            return totp_code(b32encode(device.bin_key).decode(), counter=step)
        time.sleep(30 - time.time() % 30 + 0.5)


def user_fixture(role: str):
    """A pytest fixture giving a fresh user of `role` (with the organisation and second factor the role needs)."""
    @pytest.fixture
    def user(db):
        return UserFactory(role=role)
    return user
