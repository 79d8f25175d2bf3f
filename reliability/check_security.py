"""Check 12 (long): the security review's points, each with a figure.

- every staff money action (claim pre-review and approval, batch open/close/approve/publish, both signatures,
  payment confirmation, fund creation) tried without a verified second factor — by an unenrolled colleague, by the
  right official signed in with the password only, through a token issued without the code, and posting the page
  form with a password-only session: N tried, 0 passed; then the real official (with the code) succeeds;
- expired, revoked and pre-password-change tokens: refused;
- schedule rows written outside the code: ignored by the beat and audited; admin edits refused;
- formula-like text in every export: written as plain text;
- hostile amounts on every money input: the API's `invalid`, never a 5xx;
- lockout by username from many addresses;
- each security event type present in the audit chain."""
import io
import time
import uuid
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from reliability.figures import record, scale
from reliability.scenarios import deducted_orders_via_services, staff

pytestmark = [pytest.mark.django_db(transaction=True)]
HOSTILE = ["1e27", "NaN", "Infinity", "-Infinity", "1.001", "0.005", "1e-3", "9999999999999.99", "1,000", "¥100",
           "", "0x10", "1_000"]


def _without_second_factor(user):
    """The same official as a request's user signed in with the password only."""
    from hangqifu.accounts.models import User

    same = User.objects.get(pk=user.pk)
    same.otp_device = None
    return same


def _forged_token(user) -> Client:
    from hangqifu.accounts.models import ApiToken
    from hangqifu.accounts.tokens import password_stamp

    _, key = ApiToken.objects.create(user=user, second_factor=False, password_stamp=password_stamp(user))
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def _password_session(user) -> Client:
    from hangqifu.accounts.tests.factories import PASSWORD

    client = Client()
    assert client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    return client


class Attempts:
    def __init__(self):
        self.tried, self.passed, self.where = 0, 0, []

    def service(self, label, call):
        from hangqifu.core.errors import DomainError

        self.tried += 1
        try:
            call()
        except DomainError as exc:
            if exc.status in (403, 404):  # not permitted, or the object is not even visible to the caller
                return
            self.where.append(f"{label}: refused with {exc.code}, not for the caller")
        self.passed += 1
        self.where.append(label)

    def http(self, label, response, refused=(401, 403, 302)):
        self.tried += 1
        if response.status_code not in refused or (response.status_code == 302 and "second-factor" not in
                                                    response.get("Location", "")):
            self.passed += 1
            self.where.append(f"{label}: {response.status_code}")


def test_every_staff_money_action_needs_the_second_factor(world):
    from hangqifu.accounts.roles import Role
    from hangqifu.accounts.tests.factories import UserFactory
    from hangqifu.core import clock
    from hangqifu.notices.services import notices_close_expired
    from redemption.models import DistrictPayment, SettlementBatch
    from redemption.services import redemption_claims as claim_svc
    from redemption.services import payments as pay_svc
    from redemption.services import settlement as svc
    from redemption.tests.factories import district_user, submitted_claim
    from vouchers.tests import money_factories as mf

    people = staff()
    center, bureau, finance = people[Role.SERVICE_CENTER], people[Role.BUREAU], people[Role.FINANCE_BUREAU]
    district = district_user("xihu")
    unenrolled = {role: UserFactory(role=role, second_factor=False)
                  for role in (Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU)}
    unenrolled[Role.DISTRICT] = UserFactory(role=Role.DISTRICT, second_factor=False, organisation=district.organisation)
    attempts = Attempts()
    provider = mf.provider_user()
    claim = submitted_claim(provider, deducted_orders_via_services(provider, 1))

    def step(label, role, legit, service, *, api=None, page=None):
        """Try `service(actor)` and its API/page twins without the second factor, then with it."""
        for actor in (unenrolled[role], _without_second_factor(legit)):
            attempts.service(f"{label} as {actor.username}", lambda a=actor: service(a))
        if api is not None:
            url, body = api
            attempts.http(f"API {label}", _forged_token(legit).post(url, body, content_type="application/json"))
            attempts.http(f"API {label} (session)", _password_session(legit).post(url, body,
                                                                                 content_type="application/json"))
        if page is not None:
            attempts.http(f"page {label}", _password_session(legit).post(page, {}))
        return service(legit)

    c = f"/api/v1/redemption-claims/{claim.pk}"
    step("claim pre-review", Role.SERVICE_CENTER, center,
         lambda a: claim_svc.claim_pre_review(claim=claim, actor=a, passed=True, opinion="齐全"),
         api=(f"{c}/pre-review/", {"passed": True, "opinion": "齐全"}))
    step("claim approve", Role.BUREAU, bureau, lambda a: claim_svc.claim_approve(claim=claim, actor=a),
         api=(f"{c}/approve/", {}))
    today = clock.today()
    batch = step("batch open", Role.SERVICE_CENTER, center,
                 lambda a: svc.batch_open(actor=a, period_start=date(today.year, 1, 1),
                                          period_end=date(today.year, 12, 31)),
                 api=("/api/v1/settlement-batches/", {"period_start": f"{today.year}-01-01",
                                                      "period_end": f"{today.year}-12-31"}))
    b = f"/api/v1/settlement-batches/{batch.pk}"
    page = f"/redemption/batches/{batch.pk}"

    def fresh():
        return SettlementBatch.objects.get(pk=batch.pk)

    step("batch close", Role.SERVICE_CENTER, center, lambda a: svc.batch_close(batch=fresh(), actor=a),
         api=(f"{b}/close/", {}), page=f"{page}/close/")
    step("batch approve", Role.BUREAU, bureau, lambda a: svc.batch_approve(batch=fresh(), actor=a),
         api=(f"{b}/approve/", {}), page=f"{page}/approve/")
    published = step("batch publish", Role.BUREAU, bureau, lambda a: svc.batch_publish(batch=fresh(), actor=a),
                     api=(f"{b}/publish/", {}), page=f"{page}/publish/")
    clock.set_test_clock(published.notice.closes_at + timedelta(hours=2), frozen=True)
    notices_close_expired()
    step("bureau signature", Role.BUREAU, bureau, lambda a: svc.batch_sign(batch=fresh(), actor=a),
         api=(f"{b}/sign/", {}), page=f"{page}/sign/")
    step("finance signature", Role.FINANCE_BUREAU, finance, lambda a: svc.batch_sign(batch=fresh(), actor=a),
         api=(f"{b}/sign/", {}), page=f"{page}/sign/")
    payment = DistrictPayment.objects.get(batch=batch)
    step("payment confirmation", Role.DISTRICT, district,
         lambda a: pay_svc.payment_confirm(payment=DistrictPayment.objects.get(pk=payment.pk), actor=a,
                                           reference=f"QQ{uuid.uuid4().hex[:10]}", paid_at=clock.now()),
         api=(f"/api/v1/district-payments/{payment.pk}/confirm/",
              {"reference": "QQ-forged", "paid_at": clock.now().isoformat()}))
    attempts.http("API fund creation", _forged_token(bureau).post(
        "/api/v1/funds/", {"year": today.year + 5, "total": "1000.00"}, content_type="application/json"))
    assert DistrictPayment.objects.get(pk=payment.pk).state == DistrictPayment.State.PAID
    record("second_factor_money_actions", tried=attempts.tried, held=attempts.tried - attempts.passed,
           detail=f"{attempts.tried} money actions tried without a verified second factor (service, API token, "
                  f"API session, page form), {attempts.passed} passed; each then done by the official with the code"
                  + (f" — passed: {attempts.where[:5]}" if attempts.where else ""))
    assert attempts.passed == 0, attempts.where


def test_tokens_that_ended_are_refused(world):
    from hangqifu.accounts.models import ApiToken
    from hangqifu.accounts.roles import Role
    from hangqifu.accounts.tests.factories import UserFactory
    from hangqifu.accounts.tokens import password_stamp, token_revoke

    cases = scale("token_cases", 20)
    refused = 0
    for n in range(cases):
        user = UserFactory(role=Role.ENTERPRISE)
        token, key = ApiToken.objects.create(user=user, second_factor=False, password_stamp=password_stamp(user))
        client = Client(HTTP_AUTHORIZATION=f"Token {key}")
        assert client.get("/api/v1/me/").status_code == 200
        kind = n % 3
        if kind == 0:
            ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
        elif kind == 1:
            token_revoke(user=user, token_key=token.token_key)
        else:
            user.set_password(f"Changed-{n}-password")
            user.save()
        refused += int(client.get("/api/v1/me/").status_code == 401)
    record("tokens_end", tried=cases, held=refused,
           detail=f"{cases} tokens expired, revoked or outlived a password change: {refused} refused (401)")
    assert refused == cases


def test_the_schedule_cannot_be_turned_into_a_weapon(world):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from hangqifu.accounts.roles import Role
    from hangqifu.accounts.tests.factories import UserFactory
    from hangqifu.audit.models import AuditEvent
    from hangqifu.celery import app
    from hangqifu.core.scheduler import CodeOwnedScheduler

    every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
    rows = [PeriodicTask.objects.create(name=f"void {year}", task="vouchers.void_year_after_fund_exhausted",
                                        args=f"[{year}]", interval=every) for year in range(2026, 2031)]
    scheduled = {row.name for row in CodeOwnedScheduler(app=app, lazy=True).enabled_models()}
    audited = AuditEvent.objects.filter(action="scheduler.changed", object_id__in=[str(r.pk) for r in rows],
                                        payload__model="django_celery_beat.periodictask").count()
    admin_refusals = 0
    for user in (UserFactory(role=Role.BUREAU), UserFactory(role=Role.BUREAU, is_superuser=True)):
        client = Client()
        client.force_login(user)
        for row in rows:
            response = client.post(f"/admin/django_celery_beat/periodictask/{row.pk}/change/",
                                   {"name": row.name, "task": row.task, "enabled": "on"})
            admin_refusals += int(response.status_code == 403)
    held = sum(row.name not in scheduled for row in rows)
    record("scheduler_locked", tried=len(rows) * 4, held=held + audited + admin_refusals,
           detail=f"{len(rows)} weapon rows written outside the code: {held} ignored by the beat, {audited} audited; "
                  f"{admin_refusals}/{len(rows) * 2} admin edits refused")
    assert held == audited == len(rows) and admin_refusals == len(rows) * 2


def test_hostile_amounts_never_give_a_5xx(world):
    from hangqifu.accounts.roles import Role
    from reliability.scenarios import token_client
    from vouchers.tests import money_factories as mf

    people = staff()
    bureau = people[Role.BUREAU]
    buyer = mf.qualified_buyer()
    provider = mf.provider_user()
    product = mf.listed_product(provider, price="2000.00")
    order = mf.order_in_state(buyer, provider, "rated", amount="2000.00", product=product)
    voucher_batch = mf.open_batch(types=(("digital_empowerment", "500.00", 5),))
    endpoints = [
        (bureau, "/api/v1/funds/", lambda v: {"year": 2040, "total": v}),
        (bureau, "/api/v1/batches/", lambda v: {"year": 2026, "title": "t", "opens_at": "2026-06-01T09:00:00+08:00",
                                                 "closes_at": "2026-06-30T09:00:00+08:00",
                                                 "voucher_types": [{"category": "legal", "face_value": v,
                                                                    "count": 1}]}),
        (buyer, f"/api/v1/orders/{order.pk}/deduct/", lambda v: {"voucher": 1, "amount": v,
                                                                 "declares_no_other_subsidy": True}),
        (bureau, "/api/v1/policy-years/2026/", lambda v: {"provider_annual_cap": v}),
        (provider, "/api/v1/products/", lambda v: {"category": "legal", "title": "t", "price": v,
                                                   "description": "d", "deliverables": "d", "duration_days": 3,
                                                   "last_year_average_price": "100.00"}),
    ]
    tried = server_errors = invalid = 0
    other = []
    for user, url, body in endpoints:
        client = token_client(user)
        for value in HOSTILE:
            method = client.patch if "policy-years" in url else client.post
            response = method(url, body(value), format="json")
            tried += 1
            server_errors += int(response.status_code >= 500)
            refused = response.status_code == 400 and response.json().get("code") == "invalid"
            invalid += int(refused)
            if not refused:
                other.append((url, value, response.status_code, response.content[:200]))
    del voucher_batch
    record("hostile_amounts", tried=tried, held=tried - server_errors,
           detail=f"{len(HOSTILE)} hostile amounts × {len(endpoints)} money inputs = {tried} requests: "
                  f"{server_errors} 5xx, {invalid} refused with `invalid`")
    assert server_errors == 0 and invalid == tried, other


def test_formula_cells_are_neutralised_in_every_export(world):
    from openpyxl import load_workbook

    from hangqifu.core.xlsx import FORMULA_PREFIXES
    from supervision.dashboard import Table, table_xlsx

    names = [f"{p}cmd|' /C calc'!A0" for p in FORMULA_PREFIXES] * scale("formula_rounds", 5)
    table = Table(key="t", title="导出", columns=["名称"], rows=[[n] for n in names])
    sheet = load_workbook(io.BytesIO(table_xlsx(table, start=date(2026, 1, 1), end=date(2026, 12, 31)))).active
    cells = [row[0] for row in sheet.iter_rows(min_row=4)]
    plain = sum(cell.data_type == "s" and bool(cell.quotePrefix) for cell in cells)
    record("formula_cells", tried=len(names), held=plain,
           detail=f"{len(names)} formula-like cells ({len(FORMULA_PREFIXES)} prefixes) in a dashboard export: "
                  f"{plain} written as plain text (the disbursement order's sheets: tests/test_security_scheduler_exports.py)")
    assert plain == len(names)


def test_lockout_by_username_from_many_addresses_and_security_events_audited(world):
    from hangqifu.accounts.roles import Role
    from hangqifu.accounts.tests.factories import PASSWORD, UserFactory
    from hangqifu.audit.models import AuditEvent

    addresses = scale("lockout_addresses", 20)
    user = UserFactory(role=Role.BUREAU)
    client = Client()
    for n in range(addresses):
        client.post("/api/v1/auth/token/", {"username": user.username, "password": "not-the-password-1"},
                    content_type="application/json", REMOTE_ADDR=f"10.{n // 250}.{n % 250}.1")
    right = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD},
                        content_type="application/json", REMOTE_ADDR="192.0.2.200")
    record("lockout_by_username", tried=1, held=int(right.status_code == 403),
           detail=f"{addresses} wrong passwords from {addresses} addresses, then the right one from a new address: "
                  f"{right.status_code} {right.json().get('code')}")
    assert right.status_code == 403
    expected = {"security.login_failed", "security.lockout", "security.token_issued", "security.second_factor_failed",
                "security.login", "security.logout", "security.password_changed", "security.second_factor_enrolled",
                "security.second_factor_reset", "security.token_revoked", "security.revoked_token_used",
                "security.permission_denied", "document.downloaded", "admin.changed", "scheduler.changed"}
    _exercise_security_events()
    present = set(AuditEvent.objects.filter(action__in=expected).values_list("action", flat=True))
    record("security_events_audited", tried=len(expected), held=len(present),
           detail=f"{len(present)}/{len(expected)} security event types in the audit chain"
                  + (f"; missing {sorted(expected - present)}" if expected - present else ""))
    assert present == expected


def _exercise_security_events():
    """One of each security event, through the real pages and endpoints."""
    from base64 import b32encode

    from django_celery_beat.models import IntervalSchedule, PeriodicTask
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from hangqifu.accounts import second_factor as sf
    from hangqifu.accounts.roles import Role
    from hangqifu.accounts.tests.factories import PASSWORD, UserFactory, otp_code
    from hangqifu.documents.models import Document
    from redemption.tests.factories import submitted_claim
    from vouchers.tests import money_factories as mf

    official = UserFactory(role=Role.SERVICE_CENTER, second_factor=False)
    client = _password_session(official)
    client.post("/accounts/second-factor/", {"otp": "000000"})
    device = TOTPDevice.objects.get(user=official)
    client.post("/accounts/second-factor/", {"otp": sf.totp_code(b32encode(device.bin_key).decode())})
    client.post("/accounts/logout/")
    bureau = UserFactory(role=Role.BUREAU)
    sf.second_factor_reset(actor=bureau, user=official, reason="演练：手机遗失")
    api = Client()
    api.post("/api/v1/auth/token/", {"username": bureau.username, "password": PASSWORD, "otp": "000000"},
             content_type="application/json")
    time.sleep(1.1)  # django-otp's pause after a wrong code
    key = api.post("/api/v1/auth/token/", {"username": bureau.username, "password": PASSWORD,
                                           "otp": otp_code(bureau)}, content_type="application/json").json()["token"]
    tokened = Client(HTTP_AUTHORIZATION=f"Token {key}")
    tokened.post("/api/v1/auth/logout/")
    tokened.get("/api/v1/me/")
    enterprise = UserFactory(role=Role.ENTERPRISE)
    signed_in = Client()
    signed_in.force_login(enterprise)
    signed_in.post("/api/v1/funds/", {"year": 2041, "total": "1.00"}, content_type="application/json")
    signed_in.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "Renewed-pass-2027",
                                           "new_password2": "Renewed-pass-2027"})
    provider = mf.provider_user()
    claim = submitted_claim(provider, deducted_orders_via_services(provider, 1))
    document = Document.objects.filter(object_id=str(claim.pk)).first()
    staff_client = Client()
    staff_client.force_login(bureau)
    staff_client.get(f"/documents/{document.pk}/download/")
    center = UserFactory(role=Role.SERVICE_CENTER)
    admin = Client()
    admin.force_login(center)
    page = admin.get(f"/admin/accounts/organisation/{enterprise.organisation_id}/change/")
    form = page.context["adminform"].form
    admin.post(f"/admin/accounts/organisation/{enterprise.organisation_id}/change/",
               {**{name: form.initial.get(name) or "" for name in form.fields}, "contact_name": "新联系人"})
    every, _ = IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(name="drill", task="hangqifu.core.tasks.ping", interval=every)
