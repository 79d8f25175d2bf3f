"""The staff second factor: enrolment, sign-in with a code or a backup code, the gate before every page, the role
predicates refusing an unverified staff member, reset by another staff member, opt-in, the demo secret."""
import time
from base64 import b32encode

import pytest
from django.test import Client, override_settings
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from hangqifu.accounts import second_factor as sf
from hangqifu.accounts.models import ApiToken
from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import PASSWORD, TEST_TOTP_SECRET, UserFactory, otp_code
from hangqifu.audit.models import AuditEvent
from hangqifu.core.errors import DomainError, NotPermitted
from redemption import permissions as redemption_perms
from vouchers import permissions

pytestmark = pytest.mark.django_db

STAFF_ROLES = [Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU, Role.DISTRICT, Role.EXPERT]


def _password_login(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_staff_role_is_stopped_at_the_code_page_until_it_types_the_code(role):
    # given a staff member with an authenticator, signed in with the password only
    user = UserFactory(role=role)
    client = _password_login(user)
    # when they open any page, the admin or the API through the session
    home = client.get("/home/")
    admin = client.get("/admin/")
    api = client.get("/api/v1/me/")
    # then the code page stands in front of all of it
    assert home.status_code == 302 and home["Location"].startswith("/accounts/second-factor/verify/")
    assert admin.status_code == 302 and "/accounts/second-factor/verify/" in admin["Location"]
    assert api.status_code == 403 and api.json()["code"] == "second_factor_required"
    # and once the code is typed, the portal opens
    response = client.post("/accounts/second-factor/verify/", {"otp": otp_code(user), "next": "/home/"})
    assert response.status_code == 302 and response["Location"] == "/home/"
    assert client.get("/home/").status_code == 200
    assert AuditEvent.objects.filter(action="security.second_factor_passed", actor=user).exists()


def test_a_wrong_code_is_refused_and_audited():
    user = UserFactory(role=Role.BUREAU)
    client = _password_login(user)
    response = client.post("/accounts/second-factor/verify/", {"otp": "000000"})
    assert response.status_code == 200 and "动态口令错误" in response.content.decode()
    assert client.get("/home/").status_code == 302
    assert AuditEvent.objects.filter(action="security.second_factor_failed", actor=user).exists()


def test_staff_without_an_authenticator_can_only_enrol_and_the_roles_refuse_them():
    # given a bureau member who never enrolled
    user = UserFactory(role=Role.BUREAU, second_factor=False)
    client = _password_login(user)
    # then every page leads to enrolment
    response = client.get("/vouchers/funds/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/second-factor/?next=")
    # and outside any request the role predicates refuse the account (services, tasks, admin actions)
    fresh = type(user).objects.get(pk=user.pk)
    assert not fresh.has_role(Role.BUREAU)
    assert not permissions.is_bureau(fresh)
    assert not redemption_perms.is_bureau(fresh)


def test_enrolment_scans_a_secret_confirms_with_a_code_and_shows_backup_codes_once():
    user = UserFactory(role=Role.SERVICE_CENTER, second_factor=False)
    client = _password_login(user)
    page = client.get("/accounts/second-factor/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert page.context["secret"].replace(" ", "") == b32encode(device.bin_key).decode()
    # a wrong code does not confirm
    assert client.post("/accounts/second-factor/", {"otp": "123456"}).context["enrolled"] is False
    code = sf.totp_code(b32encode(device.bin_key).decode())
    done = client.post("/accounts/second-factor/", {"otp": code})
    assert done.context["enrolled"] is True and len(done.context["codes"]) == sf.BACKUP_CODE_COUNT
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get("/home/").status_code == 200  # the session is verified by the enrolment code
    assert AuditEvent.objects.filter(action="security.second_factor_enrolled", actor=user).exists()
    # a backup code signs in once, then it is used up
    backup = done.context["codes"][0]
    assert _password_login(user).post("/accounts/second-factor/verify/", {"otp": backup}).status_code == 302
    second = _password_login(user)
    assert second.post("/accounts/second-factor/verify/", {"otp": backup}).status_code == 200
    assert StaticDevice.objects.get(user=user).token_set.count() == sf.BACKUP_CODE_COUNT - 1


def test_reset_by_another_bureau_or_center_member_only_audited_and_tokens_end():
    # given a finance officer who lost the phone, with a live API token
    officer = UserFactory(role=Role.FINANCE_BUREAU)
    token, _ = ApiToken.objects.create(user=officer, second_factor=True, password_stamp=officer.get_session_auth_hash())
    bureau, enterprise = UserFactory(role=Role.BUREAU), UserFactory(role=Role.ENTERPRISE)
    # then neither the officer, nor an enterprise, nor a reset without a reason goes through
    for actor in (officer, enterprise):
        with pytest.raises(NotPermitted):
            sf.second_factor_reset(actor=actor, user=officer, reason="手机遗失")
    with pytest.raises(DomainError):
        sf.second_factor_reset(actor=bureau, user=officer, reason=" ")
    # when a bureau colleague resets it
    sf.second_factor_reset(actor=bureau, user=officer, reason="手机遗失，已电话核实本人")
    # then the devices are gone, the token is revoked and the reset is in the audit chain
    assert not TOTPDevice.objects.filter(user=officer).exists()
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_reason == "second_factor_changed"
    event = AuditEvent.objects.get(action="security.second_factor_reset")
    assert event.actor == bureau and event.payload["reason"].startswith("手机遗失")


def test_an_unverified_reset_actor_is_refused():
    officer = UserFactory(role=Role.DISTRICT)
    bureau = UserFactory(role=Role.BUREAU)
    bureau.otp_device = None  # a request's user that has not typed the code
    with pytest.raises(NotPermitted):
        sf.second_factor_reset(actor=bureau, user=officer, reason="手机遗失")


def test_enterprises_may_opt_in_and_then_their_login_asks_for_the_code():
    user = UserFactory(role=Role.ENTERPRISE)
    client = _password_login(user)
    assert client.get("/home/").status_code == 200  # no second factor required
    client.get("/accounts/second-factor/")
    device = TOTPDevice.objects.get(user=user)
    client.post("/accounts/second-factor/", {"otp": sf.totp_code(b32encode(device.bin_key).decode())})
    again = _password_login(user)
    assert again.get("/home/")["Location"].startswith("/accounts/second-factor/verify/")
    # and they may switch it off again with a code
    again.post("/accounts/second-factor/verify/", {"otp": otp_code(user)})
    again.post("/accounts/second-factor/disable/", {"otp": otp_code(user)})
    assert not TOTPDevice.objects.filter(user=user).exists()


@override_settings(DEMO_SECOND_FACTOR_ALLOWED=False)
def test_production_refuses_the_published_demo_secret():
    user = UserFactory(role=Role.BUREAU, second_factor=False)
    TOTPDevice.objects.create(user=user, name=sf.TOTP_NAME, confirmed=True, key=sf.DEMO_TOTP_KEY)
    with pytest.raises(DomainError) as refused:
        sf.second_factor_verify(user=user, code=sf.totp_code(sf.DEMO_TOTP_SECRET), channel="web")
    assert refused.value.code == "demo_second_factor_refused"
    with pytest.raises(DomainError):
        sf.demo_device(user=user)


def test_staff_sessions_end_after_thirty_idle_minutes():
    user = UserFactory(role=Role.BUREAU)
    client = Client()
    client.force_login(user)
    assert client.get("/home/").status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/home/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/home/").status_code == 302
    assert AuditEvent.objects.filter(action="security.session_timeout", actor=user).exists()


def test_signed_in_pages_and_api_answers_are_never_cached(api_as):
    user = UserFactory(role=Role.ENTERPRISE)
    client = Client()
    client.force_login(user)
    assert client.get("/home/")["Cache-Control"] == "no-store"
    assert api_as(user).get("/api/v1/me/")["Cache-Control"] == "no-store"
    assert "no-store" not in Client().get("/").get("Cache-Control", "")


def test_the_test_secret_of_the_factories_is_what_otp_code_uses():
    user = UserFactory(role=Role.EXPERT)
    assert b32encode(TOTPDevice.objects.get(user=user).bin_key).decode() == TEST_TOTP_SECRET


def test_the_admin_reset_asks_for_the_reason_and_audits_it():
    officer = UserFactory(role=Role.EXPERT)
    bureau = UserFactory(role=Role.BUREAU)
    client = Client()
    client.force_login(bureau)
    url = "/admin/accounts/user/"
    confirm = client.post(url, {"action": "reset_second_factor", "_selected_action": [officer.pk]})
    assert confirm.status_code == 200 and "重置原因" in confirm.content.decode()
    assert TOTPDevice.objects.filter(user=officer).exists()
    done = client.post(url, {"action": "reset_second_factor", "_selected_action": [officer.pk], "apply": "1",
                             "reset_reason": "专家来电，手机遗失，已核对身份证号后四位"})
    assert done.status_code == 302 and not TOTPDevice.objects.filter(user=officer).exists()
    assert AuditEvent.objects.get(action="security.second_factor_reset").payload["reason"].startswith("专家来电")
