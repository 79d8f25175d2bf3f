"""The API of API.md: redemption-claims/, settlement-batches/, disbursement-orders/, district-payments/."""
from datetime import timedelta

import pytest

from hangqifu.core import clock
from hangqifu.notices import services as notice_services
from vouchers.models.ledger import LedgerEntry

from ..apis import settlement as settlement_apis
from ..models import DistrictPayment, RedemptionClaim, SettlementBatch
from . import factories
from .factories import deducted_order, line_for, pdf_file

pytestmark = pytest.mark.django_db


def test_provider_files_uploads_and_submits_through_the_api(now, provider, api_as, center, bureau):
    order = deducted_order(provider.organisation, amount="10000.00", deduction="5000.00")
    client = api_as(provider)
    # the cap is shown before filing
    cap = client.get("/api/v1/redemption-claims/cap/").json()
    assert (cap["cap"], cap["used"], cap["remaining"]) == ("500000.00", "0.00", "500000.00")
    # an invoice for the full amount is refused with a stable code and a Chinese message
    bad = client.post("/api/v1/redemption-claims/", {"orders": [{**line_for(order), "invoice_amount": "10000.00"}]},
                      format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invoice_mismatch"
    assert "5,000.00" in bad.json()["detail"]
    created = client.post("/api/v1/redemption-claims/", {"orders": [line_for(order)]}, format="json")
    assert created.status_code == 201, created.json()
    claim = created.json()
    assert claim["state"] == "draft" and claim["claimed_amount"] == "5000.00"
    assert set(claim["available_actions"]) == {"submit", "withdraw"}
    # submitting without the documents is refused
    refused = client.post(f"/api/v1/redemption-claims/{claim['id']}/submit/")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_document"
    for kind in ("contract", "invoice", "bank_receipt", "commitment_letter", "service_evidence"):
        uploaded = client.post(f"/api/v1/redemption-claims/{claim['id']}/documents/",
                               {"kind": kind, "file": pdf_file(f"{kind}.pdf")}, format="multipart")
        assert uploaded.status_code == 201, uploaded.json()
    first = client.post(f"/api/v1/redemption-claims/{claim['id']}/submit/", HTTP_IDEMPOTENCY_KEY="k-1")
    replay = client.post(f"/api/v1/redemption-claims/{claim['id']}/submit/", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == replay.status_code == 200
    assert first.json() == replay.json() and first.json()["state"] == "submitted"
    # the service center pre-reviews with a verified amount; the bureau approves
    reviewed = api_as(center).post(f"/api/v1/redemption-claims/{claim['id']}/pre-review/",
                                   {"passed": True, "opinion": "核减 200 元",
                                    "lines": [{"order": order.pk, "verified_amount": "4800.00"}]}, format="json")
    assert reviewed.status_code == 200 and reviewed.json()["verified_amount"] == "4800.00"
    assert api_as(provider).post(f"/api/v1/redemption-claims/{claim['id']}/approve/").status_code == 403
    approved = api_as(bureau).post(f"/api/v1/redemption-claims/{claim['id']}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert client.get("/api/v1/redemption-claims/cap/").json()["used"] == "4800.00"
    again = api_as(bureau).post(f"/api/v1/redemption-claims/{claim['id']}/approve/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_claims_are_visible_to_their_provider_and_staff_only(now, provider, api_as, center,
                                                             django_assert_max_num_queries):
    for _ in range(6):
        factories.submitted_claim(provider, [deducted_order(provider.organisation), deducted_order(provider.organisation)])
    claim = RedemptionClaim.objects.first()
    other = factories.provider_user("xihu", name="别家机构")
    assert api_as(other).get(f"/api/v1/redemption-claims/{claim.pk}/").status_code == 404
    assert api_as(other).get("/api/v1/redemption-claims/").json()["count"] == 0
    assert api_as(factories.district_user()).get("/api/v1/redemption-claims/").json()["count"] == 0
    with django_assert_max_num_queries(10):  # constant: not one more per claim or line
        listing = api_as(center).get("/api/v1/redemption-claims/?state=submitted")
    assert listing.json()["count"] == 6 and len(listing.json()["results"][0]["lines"]) == 2
    assert listing.json()["results"][0]["missing_documents"] == []
    assert listing.json()["results"][0]["available_actions"] == ["pre-review", "return", "reject"]


def test_already_claimed_and_other_providers_orders_are_refused(now, provider, api_as):
    order = deducted_order(provider.organisation)
    client = api_as(provider)
    assert client.post("/api/v1/redemption-claims/", {"orders": [line_for(order)]}, format="json").status_code == 201
    again = client.post("/api/v1/redemption-claims/", {"orders": [line_for(order)]}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "order_already_claimed"
    theirs = deducted_order(factories.provider_user("binjiang").organisation)
    foreign = client.post("/api/v1/redemption-claims/", {"orders": [line_for(theirs)]}, format="json")
    assert foreign.status_code == 400 and foreign.json()["code"] == "order_not_found"


@pytest.fixture
def disbursed_batch(now, provider, center, bureau, finance, api_as, set_clock, django_capture_on_commit_callbacks):
    factories.approved_claim(provider, [deducted_order(provider.organisation, deduction="5000.00")],
                             center=center, bureau=bureau)
    binjiang = factories.provider_user("binjiang")
    factories.approved_claim(binjiang, [deducted_order(binjiang.organisation, deduction="3000.00")],
                             center=center, bureau=bureau)
    with django_capture_on_commit_callbacks(execute=True):
        opened = api_as(center).post("/api/v1/settlement-batches/", {"period_start": "2026-05-01",
                                                                     "period_end": "2026-06-30"}, format="json")
    assert opened.status_code == 201, opened.json()
    pk = opened.json()["id"]
    assert opened.json()["available_actions"] == ["close"]
    with django_capture_on_commit_callbacks(execute=True):
        closing = api_as(center).post(f"/api/v1/settlement-batches/{pk}/close/")
    assert closing.json()["state"] == "collecting" and closing.json()["progress"]["running"]
    closed = api_as(center).get(f"/api/v1/settlement-batches/{pk}/")
    assert closed.json()["state"] == "collected" and closed.json()["total"] == "8000.00"
    assert api_as(center).post(f"/api/v1/settlement-batches/{pk}/approve/").status_code == 403
    assert api_as(bureau).post(f"/api/v1/settlement-batches/{pk}/approve/").json()["state"] == "approved"
    published = api_as(bureau).post(f"/api/v1/settlement-batches/{pk}/publish/").json()
    assert published["state"] == "in_notice" and published["notice"]
    set_clock(SettlementBatch.objects.get(pk=pk).notice.closes_at + timedelta(hours=10))
    with django_capture_on_commit_callbacks(execute=True):
        notice_services.notices_close_expired()
    assert api_as(finance).post(f"/api/v1/settlement-batches/{pk}/sign/").json()["code"] == "invalid_transition"
    assert api_as(bureau).post(f"/api/v1/settlement-batches/{pk}/sign/").json()["state"] == "bureau_signed"
    with django_capture_on_commit_callbacks(execute=True):
        signed = api_as(finance).post(f"/api/v1/settlement-batches/{pk}/sign/")
    body = api_as(bureau).get(f"/api/v1/settlement-batches/{pk}/").json()
    assert signed.status_code == 200 and body["state"] == "disbursed"
    assert {row["district"]: row["total"] for row in body["district_totals"]} == {"xihu": "5000.00",
                                                                                 "binjiang": "3000.00"}
    return body


def test_district_sees_and_confirms_only_its_own_lines(disbursed_batch, api_as, provider,
                                                        django_assert_max_num_queries):
    xihu, binjiang = factories.district_user("xihu"), factories.district_user("binjiang")
    with django_assert_max_num_queries(10):
        lines = api_as(xihu).get("/api/v1/district-payments/?state=pending").json()
    assert lines["count"] == 1
    line = lines["results"][0]
    assert (line["district"], line["amount"], line["available_actions"]) == ("xihu", "5000.00", ["confirm", "fail"])
    # another district cannot see or confirm it
    assert api_as(binjiang).get(f"/api/v1/district-payments/{line['id']}/").status_code == 404
    foreign = api_as(binjiang).post(f"/api/v1/district-payments/{line['id']}/confirm/",
                                    {"reference": "QQ1", "paid_at": clock.now().isoformat()}, format="json")
    assert foreign.status_code == 404
    # the provider sees its own line but cannot confirm it
    assert api_as(provider).get("/api/v1/district-payments/").json()["count"] == 1
    body = {"reference": "QQ20260601001", "paid_at": clock.now().isoformat()}
    first = api_as(xihu).post(f"/api/v1/district-payments/{line['id']}/confirm/", body, format="json",
                              HTTP_IDEMPOTENCY_KEY="pay-1")
    replay = api_as(xihu).post(f"/api/v1/district-payments/{line['id']}/confirm/", body, format="json",
                               HTTP_IDEMPOTENCY_KEY="pay-1")
    assert first.status_code == replay.status_code == 200
    assert first.json() == replay.json() and first.json()["state"] == "paid"
    assert replay.headers.get("Idempotent-Replay") == "true"
    assert LedgerEntry.objects.filter(kind="payment").count() == 1
    other = api_as(xihu).post(f"/api/v1/district-payments/{line['id']}/confirm/",
                              {"reference": "QQ-other", "paid_at": clock.now().isoformat()}, format="json")
    assert other.status_code == 409 and other.json()["code"] == "already_paid"
    # the provider's claim shows the payment
    claim = api_as(provider).get("/api/v1/redemption-claims/").json()["results"][0]
    assert claim["state"] == "paid" and claim["payment"]["reference"] == "QQ20260601001"


def test_the_batch_list_gives_totals_without_the_claims_in_bounded_queries(disbursed_batch, api_as, bureau,
                                                                          django_assert_max_num_queries):
    # the list does not embed each batch's claims (a batch may hold 100,000); the detail does
    with django_assert_max_num_queries(8):
        listed = api_as(bureau).get("/api/v1/settlement-batches/").json()
    row = listed["results"][0]
    assert (row["id"], row["claim_count"], row["total"]) == (disbursed_batch["id"], 2, "8000.00")
    assert "claims" not in row and len(disbursed_batch["claims"]) == 2


def test_failed_payment_then_retry_through_the_api(disbursed_batch, api_as):
    officer = factories.district_user("binjiang")
    line = api_as(officer).get("/api/v1/district-payments/").json()["results"][0]
    failed = api_as(officer).post(f"/api/v1/district-payments/{line['id']}/fail/", {"reason": "账户冻结"},
                                  format="json")
    assert failed.json()["state"] == "failed" and failed.json()["failure_count"] == 1
    assert api_as(officer).get("/api/v1/district-payments/?state=failed").json()["count"] == 1
    paid = api_as(officer).post(f"/api/v1/district-payments/{line['id']}/confirm/",
                                {"reference": "QQ2", "paid_at": clock.now().isoformat()}, format="json")
    assert paid.json()["state"] == "paid"
    assert DistrictPayment.objects.exclude(state="paid").count() == 1


def test_a_line_moved_out_of_sight_during_a_step_answers_the_404_of_an_unseen_line(disbursed_batch, api_as,
                                                                                 monkeypatch):
    # given: while the officer records a failed payment, the line is moved to another district (a correction
    # committed between the step and the answer)
    officer = factories.district_user("binjiang")
    line = api_as(officer).get("/api/v1/district-payments/").json()["results"][0]
    payment_fail = settlement_apis.payment_services.payment_fail

    def fail_then_moved(*, payment, **kwargs):
        done = payment_fail(payment=payment, **kwargs)
        DistrictPayment.objects.filter(pk=payment.pk).update(district="xihu")
        return done

    monkeypatch.setattr(settlement_apis.payment_services, "payment_fail", fail_then_moved)
    # when
    failed = api_as(officer).post(f"/api/v1/district-payments/{line['id']}/fail/", {"reason": "账户冻结"},
                                  format="json")
    # then: the step stands, and the officer is answered as for any line it cannot see
    unseen = api_as(officer).get(f"/api/v1/district-payments/{line['id']}/")
    assert unseen.status_code == 404
    assert (failed.status_code, failed.json()) == (404, unseen.json()) and unseen.json()["code"] == "not_found"
    assert DistrictPayment.objects.get(pk=line["id"]).state == "failed"


def test_disbursement_documents_for_staff_and_the_district(disbursed_batch, api_as, bureau):
    order = next(o for o in disbursed_batch["disbursement_orders"] if o["district"] == "xihu")
    assert order["number"].startswith("杭经信兑〔2026〕")
    pdf = api_as(factories.district_user("xihu")).get(f"/api/v1/disbursement-orders/{order['id']}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    xlsx = api_as(bureau).get(f"/api/v1/disbursement-orders/{order['id']}/xlsx/")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert api_as(factories.district_user("binjiang")).get(
        f"/api/v1/disbursement-orders/{order['id']}/pdf/").status_code == 404
    assert api_as(factories.district_user("binjiang")).get("/api/v1/disbursement-orders/").json()["count"] == 1


def test_a_claim_shows_the_district_recorded_when_its_batch_collected_it(disbursed_batch, api_as, client, bureau,
                                                                        provider):
    from hangqifu.accounts.models import Organisation

    # given the 滨江区 provider has moved to 萧山区 since its claim was collected
    claim = RedemptionClaim.objects.get(batch_id=disbursed_batch["id"], provider__district="binjiang")
    Organisation.objects.filter(pk=claim.provider_id).update(district="xiaoshan")
    # then its claim, the batch's claims and totals and the staff pages still name 滨江区, which pays it
    body = api_as(bureau).get(f"/api/v1/redemption-claims/{claim.pk}/").json()
    assert (body["settlement_district"], body["payment"]["district"]) == ("binjiang", "binjiang")
    batch = api_as(bureau).get(f"/api/v1/settlement-batches/{disbursed_batch['id']}/").json()
    assert {c["id"]: c["district"] for c in batch["claims"]}[claim.pk] == "binjiang"
    assert {row["district"] for row in batch["district_totals"]} == {"xihu", "binjiang"}
    client.force_login(bureau)
    assert "萧山区" not in client.get(f"/redemption/batches/{disbursed_batch['id']}/").content.decode()
    assert "滨江区（归集时所在区县）" in client.get(f"/redemption/claims/{claim.pk}/").content.decode()
    admin_page = client.get(f"/admin/redemption/redemptionclaim/{claim.pk}/change/").content.decode()
    assert "拨付区县" in admin_page and "滨江区" in admin_page
    # a claim in no batch has none
    draft = factories.submitted_claim(provider, [deducted_order(provider.organisation)])
    assert api_as(bureau).get(f"/api/v1/redemption-claims/{draft.pk}/").json()["settlement_district"] is None


def test_staff_pages_and_provider_pages_render(disbursed_batch, client, provider, bureau, django_assert_max_num_queries):
    client.force_login(bureau)
    with django_assert_max_num_queries(40):
        page = client.get(f"/redemption/batches/{disbursed_batch['id']}/")
    assert page.status_code == 200 and "杭经信兑〔2026〕" in page.content.decode()
    assert client.get("/redemption/batches/").status_code == 200
    assert client.get(f"/redemption/batches/{disbursed_batch['id']}/progress/").json()["state"] == "disbursed"
    client.force_login(provider)
    assert client.get(f"/redemption/batches/{disbursed_batch['id']}/").status_code == 403
    with django_assert_max_num_queries(30):
        mine = client.get("/redemption/claims/")
    assert mine.status_code == 200 and "年度兑付额度" in mine.content.decode()
    assert client.get("/redemption/schedule/").status_code == 200
    client.force_login(factories.district_user("xihu"))
    payments = client.get("/redemption/payments/")
    assert payments.status_code == 200 and "确认已支付" in payments.content.decode()


def test_return_resubmit_reject_and_withdraw_through_the_api(now, provider, api_as, center, bureau):
    claim = factories.submitted_claim(provider, [deducted_order(provider.organisation)])
    url = f"/api/v1/redemption-claims/{claim.pk}"
    # not passing the pre-review needs an opinion, then returns the claim
    assert api_as(center).post(f"{url}/pre-review/", {"passed": False}, format="json").status_code == 400
    returned = api_as(center).post(f"{url}/pre-review/", {"passed": False, "opinion": "发票模糊"}, format="json")
    assert returned.json()["state"] == "returned" and returned.json()["decision_opinion"] == "发票模糊"
    assert set(api_as(provider).get(f"{url}/").json()["available_actions"]) == {"submit", "withdraw"}
    assert api_as(provider).post(f"{url}/submit/").json()["state"] == "submitted"
    rejected = api_as(bureau).post(f"{url}/reject/", {"opinion": "服务未实际发生"}, format="json")
    assert rejected.json()["state"] == "rejected"
    assert api_as(provider).post(f"{url}/withdraw/").json()["code"] == "invalid_transition"
    # a fresh draft can be withdrawn, freeing its order
    order = deducted_order(provider.organisation)
    draft = api_as(provider).post("/api/v1/redemption-claims/", {"orders": [line_for(order)]}, format="json").json()
    assert api_as(provider).post(f"/api/v1/redemption-claims/{draft['id']}/withdraw/").json()["state"] == "withdrawn"
    again = api_as(provider).post("/api/v1/redemption-claims/", {"orders": [line_for(order)]}, format="json")
    assert again.status_code == 201
