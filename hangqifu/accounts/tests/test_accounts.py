import pytest
from django.urls import reverse

from hangqifu.accounts.models import Organisation, User
from hangqifu.accounts.roles import Role
from hangqifu.accounts.validators import is_valid_credit_code, make_credit_code
from hangqifu.audit.models import AuditEvent

pytestmark = pytest.mark.django_db



def test_credit_code_check_digit():
    code = make_credit_code("91330106MA2H00001")
    assert is_valid_credit_code(code)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    assert not is_valid_credit_code(wrong)
    assert not is_valid_credit_code(code[:17])
    assert not is_valid_credit_code(code[:16] + "I" + code[17])  # I is not in the charset


def test_known_public_code_validates():
    # 阿里巴巴（中国）有限公司's published code.
    assert is_valid_credit_code("91330100799655058B")
    assert not is_valid_credit_code("91330100799655058C")


def test_signup_api_creates_account_and_organisation(api_client):
    code = make_credit_code("91330106MA2H12345")
    response = api_client.post(reverse("api:auth-signup"), {
        "username": "newco", "password": "Strong-pass-2026", "kind": "enterprise",
        "organisation_name": "杭州新公司", "credit_code": code}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["role"] == "enterprise" and body["organisation"]["credit_code"] == code and body["token"]
    user = User.objects.get(username="newco")
    assert user.groups.filter(name="enterprise").exists()
    assert AuditEvent.objects.filter(action="account.signup", object_id=str(user.organisation_id)).exists()


@pytest.mark.parametrize("field,value,code_in_fields", [
    ("credit_code", "91330106MA2H1234X", "credit_code"),
    ("password", "short1", "password"),
    ("password", "onlyletterspassword", "password"),
    ("kind", "bureau", "kind"),
])
def test_signup_refuses_bad_input_and_stores_nothing(api_client, field, value, code_in_fields):
    data = {"username": "bad", "password": "Strong-pass-2026", "kind": "enterprise",
            "organisation_name": "杭州坏数据公司", "credit_code": make_credit_code("91330106MA2H54321")}
    data[field] = value
    response = api_client.post(reverse("api:auth-signup"), data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and code_in_fields in body["fields"]
    assert not User.objects.filter(username="bad").exists()
    assert not Organisation.objects.filter(name="杭州坏数据公司").exists()


def test_duplicate_credit_code_is_refused(api_client):
    code = make_credit_code("91330106MA2H11111")
    base = {"password": "Strong-pass-2026", "kind": "enterprise", "organisation_name": "甲", "credit_code": code}
    assert api_client.post(reverse("api:auth-signup"), {**base, "username": "a1"}, format="json").status_code == 201
    response = api_client.post(reverse("api:auth-signup"), {**base, "username": "a2"}, format="json")
    assert response.status_code == 400 and "credit_code" in response.json()["fields"]


def test_token_and_me(api_client, make_user):
    user = make_user(role=Role.PROVIDER)
    response = api_client.post(reverse("api:auth-token"), {"username": user.username, "password": "Test-password-2026"},
                               format="json")
    assert response.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = api_client.get(reverse("api:me")).json()
    assert me["role"] == "provider" and me["organisation"]["kind"] == "provider"


def test_wrong_password_is_a_structured_400_and_locks_after_repeated_failures(api_client, make_user):
    user = make_user(role=Role.ENTERPRISE)
    for _ in range(5):
        response = api_client.post(reverse("api:auth-token"), {"username": user.username, "password": "nope-12345"},
                                   format="json")
    assert response.json()["code"] in {"invalid_credentials", "account_locked"}
    response = api_client.post(reverse("api:auth-token"), {"username": user.username,
                                                           "password": "Test-password-2026"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "account_locked"


def test_unauthenticated_api_is_401_with_code(api_client):
    response = api_client.get(reverse("api:me"))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_signup_page_shows_chinese_errors(client):
    response = client.post(reverse("signup"), {"kind": "enterprise", "organisation_name": "x", "credit_code": "1" * 18,
                                               "username": "u", "password": "Strong-pass-2026",
                                               "password_again": "Strong-pass-2026"})
    assert response.status_code == 200
    assert "统一社会信用代码无效" in response.content.decode()
    assert not User.objects.filter(username="u").exists()


def test_schema_and_docs_are_served_locally(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"openapi" in schema.content
    docs = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs and "cdn" not in docs.lower()


def test_home_requires_login_and_error_pages_are_chinese(client):
    assert client.get(reverse("home")).status_code == 302
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()
