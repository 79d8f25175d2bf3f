"""The code-owned schedule, formula-safe spreadsheets, the credit-code claim path and the reviewer's opinion."""
import io
from datetime import date

import pytest
from django.test import Client
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from openpyxl import load_workbook

from hangqifu.accounts import credit_claims
from hangqifu.accounts.models import CreditCodeClaim, Organisation, User
from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import PASSWORD, UserFactory
from hangqifu.accounts.validators import make_credit_code
from hangqifu.audit.models import AuditEvent
from hangqifu.core.errors import InvalidTransition, NotFound, NotPermitted
from hangqifu.core.scheduler import CodeOwnedScheduler
from hangqifu.core.xlsx import FORMULA_PREFIXES
from hangqifu.documents.tests.factories import pdf_upload

pytestmark = pytest.mark.django_db

PAYLOAD = 'HYPERLINK("http://evil.example","点我")'
HOSTILE_NAMES = [f"{prefix}{PAYLOAD}" for prefix in FORMULA_PREFIXES]


def _weapon_row():
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
    return PeriodicTask.objects.create(name="void 2026", task="vouchers.void_year_after_fund_exhausted",
                                       args="[2026]", interval=every)


def test_the_beat_runs_only_the_code_owned_entries_and_every_change_is_audited():
    from hangqifu.celery import app

    # given a row written behind the admin's back (shell, SQL) that would void a year's vouchers
    weapon = _weapon_row()
    assert AuditEvent.objects.filter(action="scheduler.changed", object_id=str(weapon.pk),
                                     payload__code_owned=False).exists()
    # when the beat loads the schedule
    scheduler = CodeOwnedScheduler(app=app, lazy=True)
    names = {row.name for row in scheduler.enabled_models()}
    # then only the code's entry is scheduled
    assert "void 2026" not in names and names <= {"run-due-jobs", "celery.backend_cleanup"}
    # and turning the code's own entry into the weapon is both audited and ignored
    every, _ = IntervalSchedule.objects.get_or_create(every=15, period=IntervalSchedule.MINUTES)
    own = PeriodicTask.objects.create(name="run-due-jobs", task="hangqifu.core.tasks.run_due_jobs", interval=every)
    assert "run-due-jobs" in {row.name for row in scheduler.enabled_models()}
    own.task, own.args = "vouchers.void_year_after_fund_exhausted", "[2026]"
    own.save()
    event = AuditEvent.objects.filter(action="scheduler.changed", object_id=str(own.pk)).latest("id")
    assert event.payload["changes"]["task"] == ["hangqifu.core.tasks.run_due_jobs",
                                                "vouchers.void_year_after_fund_exhausted"]
    assert "run-due-jobs" not in {row.name for row in scheduler.enabled_models()}


def test_the_beats_own_bookkeeping_is_not_a_schedule_change():
    from django.utils import timezone

    every, _ = IntervalSchedule.objects.get_or_create(every=15, period=IntervalSchedule.MINUTES)
    row = PeriodicTask.objects.create(name="run-due-jobs", task="hangqifu.core.tasks.run_due_jobs", interval=every)
    before = AuditEvent.objects.filter(action="scheduler.changed").count()
    row.last_run_at, row.total_run_count = timezone.now(), 7
    row.save()
    assert AuditEvent.objects.filter(action="scheduler.changed").count() == before


def test_nobody_edits_or_runs_schedule_rows_in_the_admin():
    row = _weapon_row()
    for user in (UserFactory(role=Role.BUREAU),
                 UserFactory(role=Role.BUREAU, is_superuser=True, username="root-admin")):
        client = Client()
        client.force_login(user)
        page = client.get(f"/admin/django_celery_beat/periodictask/{row.pk}/change/")
        assert page.status_code == 200 and page.context["has_change_permission"] is False
        posted = client.post(f"/admin/django_celery_beat/periodictask/{row.pk}/change/",
                             {"name": "void 2027", "task": "vouchers.void_year_after_fund_exhausted"})
        assert posted.status_code == 403
        assert client.get("/admin/django_celery_beat/periodictask/add/").status_code == 403
        listing = client.get("/admin/django_celery_beat/periodictask/")
        assert "run_tasks" not in listing.content.decode()
    assert PeriodicTask.objects.get(pk=row.pk).name == "void 2026"


def test_every_formula_like_cell_of_a_disbursement_order_is_plain_text(set_clock, django_capture_on_commit_callbacks):
    from redemption.exports import disbursement_xlsx
    from redemption.models import DisbursementOrder, SettlementBatch
    from redemption.services import settlement
    from redemption.tests.factories import (approved_claim, batch_past_notice, deducted_order, provider_user,
                                           run_on_commit)

    # given providers whose names are formulas, paid in one settlement batch
    set_clock("2026-06-01T09:00:00+08:00")
    center, bureau = UserFactory(role=Role.SERVICE_CENTER), UserFactory(role=Role.BUREAU)
    finance = UserFactory(role=Role.FINANCE_BUREAU)
    for name in HOSTILE_NAMES:
        provider = provider_user("xihu", name=name)
        approved_claim(provider, [deducted_order(provider.organisation)], center=center, bureau=bureau)

    def run(fn, **kwargs):
        return run_on_commit(django_capture_on_commit_callbacks, fn, **kwargs)

    batch = batch_past_notice(center=center, bureau=bureau, set_clock=set_clock, run=run)
    run(settlement.batch_sign, batch=SettlementBatch.objects.get(pk=batch.pk), actor=bureau)
    run(settlement.batch_sign, batch=SettlementBatch.objects.get(pk=batch.pk), actor=finance)
    order = DisbursementOrder.objects.get(batch=batch)
    # when the district's Excel is written, then every such name is a plain text cell on both sheets
    book = load_workbook(io.BytesIO(disbursement_xlsx(order)))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str) and cell.value.endswith(PAYLOAD)]
    assert len(cells) == 2 * len(HOSTILE_NAMES)
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)


def test_every_formula_like_cell_of_a_dashboard_export_is_plain_text():
    from supervision.dashboard import Table, table_xlsx

    table = Table(key="providers", title="服务机构", columns=["名称", "金额"],
                  rows=[[name, 100] for name in HOSTILE_NAMES])
    sheet = load_workbook(io.BytesIO(table_xlsx(table, start=date(2026, 1, 1), end=date(2026, 12, 31)))).active
    cells = [row[0] for row in sheet.iter_rows(min_row=4)]
    assert [cell.value.replace("\n", "\r") for cell in cells] == HOSTILE_NAMES  # XML keeps CR as LF
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)
    assert [row[1].value for row in sheet.iter_rows(min_row=4)] == [100] * len(HOSTILE_NAMES)


def test_a_taken_credit_code_gets_a_generic_sign_up_error_and_the_owner_a_claim_path(api_client):
    squatter = UserFactory(role=Role.ENTERPRISE)
    code = squatter.organisation.credit_code
    refused = api_client.post("/api/v1/auth/signup/", {"username": "real-co", "password": "Genuine-firm-2026",
                                                       "kind": "enterprise", "organisation_name": "真正的企业",
                                                       "credit_code": code}, format="json")
    message = refused.json()["fields"]["credit_code"][0]
    assert refused.status_code == 400 and "已注册" not in message and squatter.organisation.name not in message
    assert "归属申诉" in message


def test_the_service_center_transfers_a_claimed_code_audited():
    squatter = UserFactory(role=Role.ENTERPRISE)
    code = squatter.organisation.credit_code
    claim = credit_claims.credit_claim_file(
        credit_code=code, organisation_name="杭州真实企业有限公司", kind="enterprise", contact_name="李四",
        contact_phone="13900000000", username="real-company", password="Genuine-firm-2026",
        business_licence=pdf_upload("营业执照.pdf"))
    assert claim.holder_id == squatter.organisation_id
    # nobody but the service center decides
    for actor in (UserFactory(role=Role.BUREAU), squatter):
        with pytest.raises(NotPermitted):
            credit_claims.credit_claim_transfer(claim_id=claim.pk, actor=actor, note="核实")
    center = UserFactory(role=Role.SERVICE_CENTER)
    credit_claims.credit_claim_transfer(claim_id=claim.pk, actor=center, note="营业执照与公示系统一致，电话核实")
    assert Organisation.objects.get(pk=squatter.organisation_id).credit_code is None
    claimant = User.objects.get(username="real-company")
    assert claimant.organisation.credit_code == code and claimant.check_password("Genuine-firm-2026")
    assert CreditCodeClaim.objects.get(pk=claim.pk).password_hash == ""
    assert {"credit_code.claim_filed", "credit_code.taken_from_holder", "credit_code.transferred"} <= set(
        AuditEvent.objects.values_list("action", flat=True))
    transferred = AuditEvent.objects.get(action="credit_code.transferred")
    assert (transferred.from_state, transferred.to_state, transferred.actor_id) == ("submitted", "transferred",
                                                                                     center.pk)
    # a decided claim is decided once: the service center gets 409, anyone else still 403
    for decide in (credit_claims.credit_claim_transfer, credit_claims.credit_claim_reject):
        with pytest.raises(InvalidTransition, match="该申诉已处理"):
            decide(claim_id=claim.pk, actor=center, note="再次处理")
    with pytest.raises(NotPermitted):
        credit_claims.credit_claim_reject(claim_id=claim.pk, actor=UserFactory(role=Role.BUREAU), note="驳回")
    assert CreditCodeClaim.objects.get(pk=claim.pk).state == CreditCodeClaim.State.TRANSFERRED
    client = Client()
    assert client.post("/accounts/login/", {"username": "real-company", "password": "Genuine-firm-2026"}).status_code == 302


def test_a_decision_on_a_claim_nobody_may_see_or_that_does_not_exist_is_refused_not_a_500():
    center, outsider = UserFactory(role=Role.SERVICE_CENTER), UserFactory(role=Role.ENTERPRISE)
    # the service: no such claim is 404 before anything else
    with pytest.raises(NotFound):
        credit_claims.credit_claim_reject(claim_id=999999, actor=center, note="驳回")
    # the page: an outsider is refused whether the claim exists or not; the service center is told it does not
    client = Client()
    client.force_login(outsider)
    assert client.post("/accounts/credit-code-claims/999999/reject/", {"note": "驳回"}).status_code == 403
    client.force_login(center)
    page = client.post("/accounts/credit-code-claims/999999/reject/", {"note": "驳回"}, follow=True)
    assert "申诉不存在" in page.content.decode()


def test_the_public_claim_form_files_with_the_licence():
    client = Client()
    page = client.post("/accounts/credit-code-claim/", {
        "credit_code": make_credit_code("91330106MA2H99991"), "organisation_name": "杭州申诉企业有限公司",
        "kind": "enterprise", "contact_name": "王五", "contact_phone": "13700000000", "username": "claimant-co",
        "password": PASSWORD, "business_licence": pdf_upload("执照.pdf")})
    assert page.status_code == 200 and "申诉已提交" in page.content.decode()
    assert CreditCodeClaim.objects.get(username="claimant-co").state == CreditCodeClaim.State.SUBMITTED


def test_the_reviewers_opinion_is_not_shown_to_other_users(api_as):
    from providers.services.products import product_approve
    from providers.tests.factories import ProductFactory

    product = ProductFactory(submitted=True)
    product_approve(actor=UserFactory(role=Role.SERVICE_CENTER), product=product,
                    opinion="价格偏高，已与机构核实成本构成（内部意见）")
    buyer = UserFactory(role=Role.ENTERPRISE)
    assert api_as(buyer).get(f"/api/v1/products/{product.pk}/").json()["review_opinion"] == ""
    owner = UserFactory(role=Role.PROVIDER, organisation=product.provider)
    assert "内部意见" in api_as(owner).get(f"/api/v1/products/{product.pk}/").json()["review_opinion"]
    client = Client()
    client.force_login(buyer)
    page = client.get(f"/providers/products/{product.pk}/")
    assert page.status_code == 200 and "内部意见" not in page.content.decode()
