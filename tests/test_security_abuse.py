"""Brute force and abuse: lockout by username from many addresses, the client address behind the trusted proxy,
throttled public forms, capped complaint text, hostile amounts, streamed imports, security events audited."""
import io
import secrets
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory, override_settings
from openpyxl import Workbook

from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import PASSWORD, UserFactory
from hangqifu.audit.models import AuditEvent
from hangqifu.core.client_ip import client_ip
from hangqifu.core.errors import DomainError
from hangqifu.core.money import yuan

pytestmark = pytest.mark.django_db

HOSTILE_AMOUNTS = ["1e27", "NaN", "Infinity", "-Infinity", "1.001", "0.005", "9999999999999.99", "1,000", " ", "0x10"]


def test_lockout_by_username_holds_whatever_the_address(api_client):
    user = UserFactory(role=Role.BUREAU)
    # five wrong passwords, each from a different address
    for n in range(5):
        api_client.post("/api/v1/auth/token/", {"username": user.username, "password": "wrong-password-1"},
                        format="json", REMOTE_ADDR=f"198.51.100.{n + 1}")
    # then the right password from a sixth address is refused too, and the lockout is audited
    response = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD},
                               format="json", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403 and response.json()["code"] == "account_locked"
    assert AuditEvent.objects.filter(action="security.login_failed", payload__username=user.username).count() >= 5
    assert AuditEvent.objects.filter(action="security.lockout", payload__username=user.username).exists()


def test_the_client_address_is_the_proxys_last_hop_and_forged_hops_are_ignored():
    request = RequestFactory().get("/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    with override_settings(HANGQIFU_TRUSTED_PROXY_COUNT=1):
        assert client_ip(request) == "203.0.113.7"  # what the proxy appended, not what the client wrote
    with override_settings(HANGQIFU_TRUSTED_PROXY_COUNT=0):
        assert client_ip(request) == "172.18.0.5"  # no proxy: the header is the client's word only


def test_web_login_signup_and_public_forms_are_throttled(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES",
                        {"anon": "1000/min", "user": "1000/min", "auth": "3/min", "public_form": "2/min"})
    # a fresh address and login name, so no earlier test's counts are in the shared cache (clearing it would
    # flush the whole Redis database, the other xdist workers' test clocks with it)
    salt = secrets.randbelow(2**16)
    address, username = f"198.51.{salt >> 8}.{salt & 255}", f"nobody-{salt}"
    client = Client(REMOTE_ADDR=address)
    answers = [client.post("/accounts/login/", {"username": username, "password": "x"}).status_code
               for _ in range(4)]
    assert answers[-1] == 429 and 429 not in answers[:3]
    signups = [client.post("/accounts/signup/", {}).status_code for _ in range(4)]
    assert signups[-1] == 429
    complaints = [client.post("/audit/complaints/new/", {"subject": "x"}).status_code for _ in range(3)]
    assert complaints[-1] == 429
    api = [Client(REMOTE_ADDR=address).post("/api/v1/complaints/", {"subject": "s", "content": "c", "name": "n",
                                                                     "contact": "1"},
                                            content_type="application/json").status_code for _ in range(3)]
    assert api[-1] == 429 and api[0] == 201


def test_complaint_text_is_capped():
    from supervision.complaints import MAX_COMPLAINT_LENGTH, complaint_file

    with pytest.raises(DomainError) as refused:
        complaint_file(subject="长投诉", content="很" * (MAX_COMPLAINT_LENGTH + 1), name="张三", contact="13800000000")
    assert "content" in refused.value.fields
    assert complaint_file(subject="投诉", content="很" * MAX_COMPLAINT_LENGTH, name="张三", contact="13800000000").pk


@pytest.mark.parametrize("value", HOSTILE_AMOUNTS + [0.1, True, None])
def test_the_money_parser_refuses_what_is_not_an_exact_amount(value):
    with pytest.raises(ValueError):
        yuan(value)


def test_the_money_parser_keeps_exact_amounts():
    assert yuan("5000") == Decimal("5000.00") and yuan("0.01") == Decimal("0.01")
    assert yuan(Decimal("999999999999.99")) == Decimal("999999999999.99")


@pytest.mark.parametrize("value", HOSTILE_AMOUNTS)
def test_hostile_amounts_get_the_api_invalid_error_not_a_500(api_as, value):
    bureau = UserFactory(role=Role.BUREAU)
    response = api_as(bureau).post("/api/v1/funds/", {"year": 2031, "total": value}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def _xlsx(rows: int) -> SimpleUploadedFile:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    sheet.append(["统一社会信用代码", "名称", "列入日期"])
    for n in range(rows):
        sheet.append([f"91330106MA{n:07d}X", f"企业{n}", "2026-01-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("list.xlsx", buffer.getvalue())


def test_imports_stop_reading_at_the_row_limit(monkeypatch):
    from registration.services import imports

    monkeypatch.setattr(imports, "MAX_ROWS", 10)
    read = []
    original = imports._xlsx_rows

    def counting(data):
        for row in original(data):
            read.append(row)
            yield row

    monkeypatch.setattr(imports, "_xlsx_rows", counting)
    with pytest.raises(DomainError, match="最多 10 行"):
        imports.read_rows(_xlsx(500))
    assert len(read) == 12  # the header, the ten allowed rows and the one that broke the limit — not 501


@override_settings(UPLOAD_MAX_BYTES=1024)
def test_imports_refuse_an_oversized_file_before_parsing_it():
    from registration.services import imports

    with pytest.raises(DomainError, match="文件过大"):
        imports.read_rows(SimpleUploadedFile("big.csv", b"a" * 2048))


def test_a_refused_write_by_a_signed_in_user_is_audited(api_as):
    enterprise = UserFactory(role=Role.ENTERPRISE)
    response = api_as(enterprise).post("/api/v1/funds/", {"year": 2031, "total": "100.00"}, format="json")
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="security.permission_denied", actor=enterprise)
    assert event.payload["method"] == "POST" and event.payload["path"] == "/api/v1/funds/"


def test_a_refusal_shown_as_a_page_message_is_audited_too(client, set_clock, django_capture_on_commit_callbacks):
    """The service center may not sign a settlement batch: the page shows the refusal as a message (no 403), and
    the service's NotPermitted is still written to the audit chain — after the rolled-back transaction."""
    from redemption.tests.factories import run_on_commit
    from tests.test_journey_second_factor import _batch_waiting_for_signatures

    batch = _batch_waiting_for_signatures(
        set_clock, run=lambda fn, **kwargs: run_on_commit(django_capture_on_commit_callbacks, fn, **kwargs))
    center = UserFactory(role=Role.SERVICE_CENTER)
    client.force_login(center)
    response = client.post(f"/redemption/batches/{batch.pk}/sign/")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="security.permission_denied", actor=center)
    assert event.payload["path"] == f"/redemption/batches/{batch.pk}/sign/" and event.payload["refusals"]


def test_admin_saves_of_an_organisation_are_audited_with_the_values(client):
    from hangqifu.accounts.models import Organisation

    center = UserFactory(role=Role.SERVICE_CENTER)
    provider = UserFactory(role=Role.PROVIDER)
    organisation = provider.organisation
    client.force_login(center)
    page = client.get(f"/admin/accounts/organisation/{organisation.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data["district"] = "binjiang"
    response = client.post(f"/admin/accounts/organisation/{organisation.pk}/change/", data)
    assert response.status_code == 302
    assert Organisation.objects.get(pk=organisation.pk).district == "binjiang"
    event = AuditEvent.objects.get(action="admin.changed", object_id=str(organisation.pk))
    assert event.actor == center and event.payload["changes"]["district"] == ["xihu", "binjiang"]


def test_a_staff_download_of_a_claim_document_is_audited(client):
    from hangqifu.documents.models import Document
    from redemption.tests.factories import approved_claim, deducted_order, provider_user

    provider = provider_user("xihu")
    center, bureau = UserFactory(role=Role.SERVICE_CENTER), UserFactory(role=Role.BUREAU)
    claim = approved_claim(provider, [deducted_order(provider.organisation)], center=center, bureau=bureau)
    document = Document.objects.filter(object_id=str(claim.pk)).first()
    client.force_login(bureau)
    assert client.get(f"/documents/{document.pk}/download/").status_code == 200
    assert AuditEvent.objects.filter(action="document.downloaded", actor=bureau, object_id=str(document.pk)).exists()
