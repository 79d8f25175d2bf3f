"""API tokens that end: expiry, logout, owner listing and revoking, password change, the staff second factor,
audit of issue and of a revoked token's replay — and the API.md contract for non-staff clients."""
import time
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from hangqifu.accounts.models import ApiToken
from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import PASSWORD, UserFactory, otp_code
from hangqifu.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _token(client, user, **extra):
    return client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD, **extra},
                       format="json")


def _as(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_non_staff_client_still_gets_a_token_with_username_and_password(api_client):
    user = UserFactory(role=Role.ENTERPRISE)
    response = _token(api_client, user)
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"token", "id", "expires_at", "second_factor"} and body["second_factor"] is False
    assert _as(body["token"]).get("/api/v1/me/").json()["username"] == user.username
    assert AuditEvent.objects.filter(action="security.token_issued", actor=user).exists()


@pytest.mark.parametrize("role", [Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU, Role.DISTRICT, Role.EXPERT])
def test_a_staff_token_needs_the_code(api_client, role):
    user = UserFactory(role=role)
    missing = _token(api_client, user)
    assert missing.status_code == 400 and missing.json()["code"] == "otp_required"
    wrong = _token(api_client, user, otp="000000")
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_otp"
    time.sleep(1.1)  # django-otp waits 2^(failures-1) seconds after a wrong code before it checks another
    right = _token(api_client, user, otp=otp_code(user))
    assert right.status_code == 200 and right.json()["second_factor"] is True
    assert _as(right.json()["token"]).get("/api/v1/me/").status_code == 200


def test_staff_without_an_authenticator_get_no_token(api_client):
    user = UserFactory(role=Role.BUREAU, second_factor=False)
    response = _token(api_client, user)
    assert response.status_code == 403 and response.json()["code"] == "second_factor_not_enrolled"


def test_a_staff_token_issued_without_the_code_is_refused(api_client):
    user = UserFactory(role=Role.BUREAU)
    _, key = ApiToken.objects.create(user=user, second_factor=False, password_stamp=user.get_session_auth_hash())
    assert _as(key).get("/api/v1/me/").status_code == 401


def test_tokens_expire_after_the_configured_hours(api_client):
    user = UserFactory(role=Role.PROVIDER)
    with override_settings(REST_KNOX={"TOKEN_TTL": timedelta(hours=2), "AUTH_HEADER_PREFIX": "Token"}):
        body = _token(api_client, user).json()
    token = ApiToken.objects.get(token_key=body["id"])
    assert timedelta(hours=1, minutes=59) < token.expiry - timezone.now() <= timedelta(hours=2)
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    response = _as(body["token"]).get("/api/v1/me/")
    assert response.status_code == 401 and response.json()["code"] == "token_expired"


def test_logout_revokes_the_token_and_a_replay_is_refused_and_audited(api_client):
    user = UserFactory(role=Role.ENTERPRISE)
    key = _token(api_client, user).json()["token"]
    assert _as(key).post("/api/v1/auth/logout/").status_code == 204
    replay = _as(key).get("/api/v1/me/")
    assert replay.status_code == 401 and replay.json()["code"] == "token_revoked"
    assert AuditEvent.objects.filter(action="security.revoked_token_used", actor=user).count() == 1


def test_the_owner_lists_and_revokes_their_tokens_only(api_client):
    user, other = UserFactory(role=Role.ENTERPRISE), UserFactory(role=Role.ENTERPRISE)
    first, second = _token(api_client, user).json(), _token(api_client, user).json()
    other_key = _token(api_client, other).json()
    listed = _as(first["token"]).get("/api/v1/auth/tokens/").json()
    assert {row["id"] for row in listed} == {first["id"], second["id"]}
    assert [row["current"] for row in listed if row["id"] == first["id"]] == [True]
    # another user's token id is not found for this owner
    assert _as(first["token"]).delete(f"/api/v1/auth/tokens/{other_key['id']}/").status_code == 404
    assert _as(first["token"]).delete(f"/api/v1/auth/tokens/{second['id']}/").status_code == 204
    assert _as(second["token"]).get("/api/v1/me/").status_code == 401
    assert _as(other_key["token"]).get("/api/v1/me/").status_code == 200


def test_a_password_change_ends_every_token(api_client, client):
    user = UserFactory(role=Role.PROVIDER)
    key = _token(api_client, user).json()["token"]
    client.force_login(user)
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "Another-pass-2027",
                                                   "new_password2": "Another-pass-2027"})
    assert response.status_code == 302
    assert _as(key).get("/api/v1/me/").status_code == 401
    assert AuditEvent.objects.filter(action="security.password_changed", actor=user).exists()


def test_a_password_set_any_other_way_ends_the_tokens_too(api_client):
    user = UserFactory(role=Role.PROVIDER)
    key = _token(api_client, user).json()["token"]
    user.set_password("Set-in-the-shell-2027")
    user.save()
    response = _as(key).get("/api/v1/me/")
    assert response.status_code == 401 and response.json()["code"] == "token_revoked"


def test_the_schema_documents_the_new_fields():
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "otp" in schema["components"]["schemas"]["TokenInputRequest"]["properties"]
    assert {"/api/v1/auth/logout/", "/api/v1/auth/tokens/", "/api/v1/auth/tokens/{token_id}/"} <= set(schema["paths"])


@override_settings(API_DOCS_PUBLIC=False)
def test_the_schema_and_docs_need_a_login_under_production_settings(api_as):
    assert APIClient().get("/api/v1/schema/").status_code == 401
    assert APIClient().get("/api/v1/docs/").status_code == 401
    assert api_as(UserFactory(role=Role.ENTERPRISE)).get("/api/v1/schema/").status_code == 200
