"""The money API (API.md): funds, batches, claim, vouchers, orders, deduct — codes, permissions, idempotency,
query counts, and the pages that call the same services."""
from decimal import Decimal

import pytest
from django.db.models import F

from hangqifu.accounts.roles import Role
from hangqifu.core.choices import ServiceCategory
from hangqifu.core.models import IdempotencyRecord
from vouchers.models import Deduction, Fund, IssuanceBatch, LedgerEntry, Order, Voucher

from .money_factories import claimed_voucher, open_batch, order_in_state, pdf_file, provider_user, qualified_buyer

pytestmark = pytest.mark.django_db
CAT = ServiceCategory.DIGITAL_EMPOWERMENT


@pytest.fixture
def june(set_clock):
    return set_clock("2026-06-01T09:00:00+08:00")


def test_the_bureau_sets_a_fund_once_and_others_may_not(june, api_as, make_user):
    bureau = api_as(make_user(role=Role.BUREAU))
    response = bureau.post("/api/v1/funds/", {"year": 2027, "total": "3000000.00"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["available"] == "3000000.00"
    assert bureau.post("/api/v1/funds/", {"year": 2027, "total": "1.00"}, format="json").json()["code"] == "fund_exists"
    assert bureau.post("/api/v1/funds/", {"year": 2028, "total": "-1"}, format="json").status_code == 400
    center = api_as(make_user(role=Role.SERVICE_CENTER))
    assert center.post("/api/v1/funds/", {"year": 2029, "total": "1.00"}, format="json").status_code == 403
    assert api_as(qualified_buyer()).get("/api/v1/funds/").status_code == 403


def test_the_bureau_creates_opens_and_closes_a_batch_read_back_with_type_ids_and_remaining(june, api_as, make_user):
    bureau_user = make_user(role=Role.BUREAU)
    bureau = api_as(bureau_user)
    bureau.post("/api/v1/funds/", {"year": 2026, "total": "1000000.00"}, format="json")
    body = {"year": 2026, "opens_at": "2026-06-10T09:00:00+08:00", "closes_at": "2026-06-30T17:00:00+08:00",
            "voucher_types": [{"category": CAT, "face_value": "1000.00", "count": 50},
                              {"category": "legal", "face_value": "2000.00", "count": 20}]}
    created = bureau.post("/api/v1/batches/", body, format="json")
    assert created.status_code == 201, created.json()
    batch = created.json()
    assert batch["state"] == "draft" and batch["valid_until"] == "2026-12-31"
    assert [(t["face_value"], t["count"], t["remaining"]) for t in batch["voucher_types"]] == [
        ("1000.00", 50, 50), ("2000.00", 20, 20)]
    assert all(t["id"] for t in batch["voucher_types"])
    buyer = api_as(qualified_buyer())
    assert buyer.get(f"/api/v1/batches/{batch['id']}/").status_code == 404, "drafts are not public"
    assert buyer.post(f"/api/v1/batches/{batch['id']}/open/").status_code in (403, 404)
    opened = bureau.post(f"/api/v1/batches/{batch['id']}/open/")
    assert opened.json()["state"] == "open"
    read = buyer.get(f"/api/v1/batches/{batch['id']}/").json()
    assert read["voucher_types"][0]["remaining"] == 50 and read["claimable"] is False
    assert bureau.post(f"/api/v1/batches/{batch['id']}/open/").json()["code"] == "invalid_transition"
    center = api_as(make_user(role=Role.SERVICE_CENTER))
    refused = center.post(f"/api/v1/batches/{batch['id']}/open/")
    assert refused.status_code == 403, "the caller's role is refused before the state is judged"
    assert bureau.post(f"/api/v1/batches/{batch['id']}/close/").json()["state"] == "closed"


def test_a_batch_needs_its_fund_and_a_valid_window(june, api_as, make_user):
    bureau = api_as(make_user(role=Role.BUREAU))
    response = bureau.post("/api/v1/batches/", {
        "year": 2027, "opens_at": "2027-06-10T09:00:00+08:00", "closes_at": "2027-06-01T17:00:00+08:00",
        "voucher_types": [{"category": CAT, "face_value": "0", "count": 5}]}, format="json")
    assert response.status_code == 400
    assert {"year", "closes_at"} <= set(response.json()["fields"])


def test_claim_through_the_api_and_each_refusal_code(june, api_as):
    batch = open_batch(types=((CAT, "3000.00", 1), ("legal", "3000.00", 5)))
    first, second = qualified_buyer(quota="5000.00"), qualified_buyer(quota="5000.00")
    sold_out, legal = batch.voucher_types.get(category=CAT), batch.voucher_types.get(category="legal")
    response = api_as(first).post(f"/api/v1/batches/{batch.pk}/claim/", {"voucher_type": sold_out.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["balance"] == "3000.00" and response.json()["state"] == "live"
    assert api_as(second).post(f"/api/v1/batches/{batch.pk}/claim/", {"voucher_type": sold_out.pk},
                               format="json").json()["code"] == "batch_exhausted"
    assert api_as(first).post(f"/api/v1/batches/{batch.pk}/claim/", {"voucher_type": legal.pk},
                              format="json").json()["code"] == "quota_exceeded"
    assert api_as(second).post(f"/api/v1/batches/{batch.pk}/claim/", {"voucher_type": "x"},
                               format="json").status_code == 400


def test_a_replayed_claim_returns_the_first_voucher_and_claims_once(june, api_as):
    batch = open_batch()
    client = api_as(qualified_buyer())
    url = f"/api/v1/batches/{batch.pk}/claim/"
    body = {"voucher_type": batch.voucher_types.get().pk}
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="claim-1")
    replay = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="claim-1")
    assert first.status_code == replay.status_code == 201
    assert replay.json()["id"] == first.json()["id"] and replay.headers["Idempotent-Replay"] == "true"
    assert Voucher.objects.count() == 1 and batch.voucher_types.get().remaining == 99


def test_vouchers_are_listed_for_their_holder_only_with_bounded_queries(june, api_as, django_assert_max_num_queries):
    batch = open_batch(types=((CAT, "100.00", 100),))
    owner, other = qualified_buyer(quota="5000.00"), qualified_buyer()
    for _ in range(8):
        claimed_voucher(owner, batch)
    foreign = claimed_voucher(other, batch)
    client = api_as(owner)
    with django_assert_max_num_queries(6):
        listing = client.get("/api/v1/vouchers/").json()
    assert listing["count"] == 8
    assert {"face_value", "balance", "category", "expires_on", "state"} <= set(listing["results"][0])
    assert client.get(f"/api/v1/vouchers/{foreign.pk}/").status_code == 404
    assert client.get("/api/v1/vouchers/?state=expired").json()["count"] == 0
    # a provider reads orders addressed to it, never a holder's vouchers
    provider = api_as(provider_user())
    assert provider.get("/api/v1/vouchers/").json()["count"] == 0
    assert provider.get(f"/api/v1/vouchers/{foreign.pk}/").status_code == 404


def test_there_is_no_way_to_move_a_voucher(june, api_as):
    voucher = claimed_voucher(qualified_buyer())
    client = api_as(voucher.claimed_by)
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)(f"/api/v1/vouchers/{voucher.pk}/", {"organisation": 1},
                                       format="json").status_code == 405


def test_the_order_flow_through_the_api(june, api_as):
    buyer_user, provider = qualified_buyer(quota="5000.00"), provider_user()
    voucher = claimed_voucher(buyer_user, open_batch(types=((CAT, "5000.00", 5),)))
    from .money_factories import listed_product

    product = listed_product(provider, price="10000.00")
    buyer, seller = api_as(buyer_user), api_as(provider)
    created = buyer.post("/api/v1/orders/", {"product": product.pk, "amount": "10000.00", "contract": pdf_file()},
                         format="multipart")
    assert created.status_code == 201, created.json()
    order = created.json()
    assert order["state"] == "signed" and "cancel" in order["available_actions"]
    letter = buyer.get(f"/api/v1/orders/{order['id']}/commitment-letter/")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert buyer.post(f"/api/v1/orders/{order['id']}/documents/",
                      {"kind": "stamped_commitment_letter", "file": pdf_file()}, format="multipart").status_code == 201
    assert buyer.post(f"/api/v1/orders/{order['id']}/deduct/", {"voucher": voucher.pk, "amount": "10.00",
                      "declares_no_other_subsidy": True}, format="json").json()["code"] == "not_rated"
    completed = seller.post(f"/api/v1/orders/{order['id']}/complete/",
                            {"service_records": [pdf_file("记录.pdf")], "note": "已交付"}, format="multipart")
    assert completed.status_code == 200, completed.json()
    assert completed.json()["state"] == "completed"
    rated = buyer.post(f"/api/v1/orders/{order['id']}/rate/", {"satisfaction": "satisfied"}, format="json")
    assert rated.json()["state"] == "rated" and "deduct" in rated.json()["available_actions"]
    quote = buyer.get(f"/api/v1/orders/{order['id']}/deduction-quote/").json()
    assert quote["maximum"] == "5000.00"
    over = buyer.post(f"/api/v1/orders/{order['id']}/deduct/", {"voucher": voucher.pk, "amount": "5000.01",
                      "declares_no_other_subsidy": True}, format="json")
    assert over.status_code == 409 and over.json()["code"] == "deduction_over_ratio"
    deducted = buyer.post(f"/api/v1/orders/{order['id']}/deduct/", {"voucher": voucher.pk, "amount": "5000.00",
                          "declares_no_other_subsidy": True}, format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert deducted.status_code == 200, deducted.json()
    assert deducted.json()["state"] == "deducted" and deducted.json()["deduction"]["amount"] == "5000.00"
    replay = buyer.post(f"/api/v1/orders/{order['id']}/deduct/", {"voucher": voucher.pk, "amount": "5000.00",
                        "declares_no_other_subsidy": True}, format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert replay.status_code == 200 and Deduction.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="deduction").count() == 1
    again = buyer.post(f"/api/v1/orders/{order['id']}/deduct/", {"voucher": voucher.pk, "amount": "1.00",
                       "declares_no_other_subsidy": True}, format="json")
    assert again.json()["code"] == "already_deducted"
    assert api_as(qualified_buyer()).get(f"/api/v1/orders/{order['id']}/").status_code == 404
    assert api_as(provider_user()).get(f"/api/v1/orders/{order['id']}/").status_code == 404


def test_a_deduction_over_the_remainder_answers_409_with_the_remainder_and_the_remainder_goes_through(
        june, api_as, django_capture_on_commit_callbacks):
    """The idempotent wrapper rolls the refused attempt back; nothing is voided; the remainder itself is
    deductible to the cent, and that deduction ends the year (its unused vouchers voided after commit)."""
    buyer_user = qualified_buyer(quota="5000.00")
    voucher = claimed_voucher(buyer_user, open_batch(types=((CAT, "5000.00", 5),)))
    other = claimed_voucher(qualified_buyer(quota="5000.00"), voucher.batch)
    order = order_in_state(buyer_user, provider_user(), "rated")
    Fund.objects.filter(year=2026).update(total=Decimal("100.00"))
    client = api_as(buyer_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/orders/{order.pk}/deduct/", {
            "voucher": voucher.pk, "amount": "100.01", "declares_no_other_subsidy": True}, format="json",
            HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 409
    assert response.json()["code"] == "fund_remainder_exceeded"
    assert response.json()["fields"]["remainder"] == ["100.00"]
    assert Voucher.objects.get(pk=other.pk).state == "live"
    assert Fund.objects.get(year=2026).exhausted_at is None
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/orders/{order.pk}/deduct/", {
            "voucher": voucher.pk, "amount": "100.00", "declares_no_other_subsidy": True}, format="json",
            HTTP_IDEMPOTENCY_KEY="k2")
    assert response.status_code == 200, response.json()
    assert Voucher.objects.get(pk=other.pk).state == "voided"
    assert Fund.objects.get(year=2026).exhaustion_cause == "remainder_zero"


def test_order_lists_are_scoped_and_bounded(june, api_as, django_assert_max_num_queries):
    buyer_user, provider = qualified_buyer(), provider_user()
    for _ in range(5):
        order_in_state(buyer_user, provider, "signed")
    order_in_state(qualified_buyer(), provider_user(), "signed")
    with django_assert_max_num_queries(8):
        assert api_as(buyer_user).get("/api/v1/orders/").json()["count"] == 5
    assert api_as(provider).get("/api/v1/orders/?state=signed").json()["count"] == 5


# --- pages -----------------------------------------------------------------------------------------------

def test_batch_page_shows_countdown_remaining_counts_and_polls_live_figures(june, client):
    batch = open_batch(opens="2026-06-02 09:00", closes="2026-06-30 17:00")
    buyer = qualified_buyer()
    client.force_login(buyer)
    page = client.get(f"/vouchers/batches/{batch.pk}/").content.decode()
    assert "data-countdown" in page and f'data-poll="/vouchers/batches/{batch.pk}/live/"' in page
    live = client.get(f"/vouchers/batches/{batch.pk}/live/").json()
    vt = batch.voucher_types.get()
    assert live["types"][str(vt.pk)]["remaining"] == 100 and live["claimable"] is False


def test_claiming_on_the_page_leads_to_my_vouchers(june, client):
    batch = open_batch()
    buyer = qualified_buyer()
    client.force_login(buyer)
    response = client.post(f"/vouchers/batches/{batch.pk}/claim/", {"voucher_type": batch.voucher_types.get().pk},
                           follow=True)
    assert "领取成功" in response.content.decode()
    assert Voucher.objects.filter(organisation=buyer.organisation).count() == 1


def test_bureau_usage_page_and_fund_creation(june, client, make_user):
    open_batch()
    client.force_login(make_user(role=Role.BUREAU))
    page = client.get("/vouchers/funds/")
    assert page.status_code == 200 and "2026 测试批次" in page.content.decode()
    client.post("/vouchers/funds/", {"year": 2027, "total": "2000000.00"})
    assert Fund.objects.filter(year=2027, total=Decimal("2000000.00")).exists()
    client.force_login(qualified_buyer())
    assert client.get("/vouchers/funds/").status_code == 404


def test_order_page_shows_the_maximum_deductible_and_deducts(june, client):
    buyer = qualified_buyer(quota="5000.00")
    voucher = claimed_voucher(buyer, open_batch(types=((CAT, "2000.00", 5),)))
    order = order_in_state(buyer, provider_user(), "rated", amount="3000.00")
    client.force_login(buyer)
    page = client.get(f"/vouchers/orders/{order.pk}/").content.decode()
    assert "本订单最多可抵扣" in page and "¥1,500.00" in page
    # the first step checks the amount and asks for the confirmation, writing nothing
    checked = client.post(f"/vouchers/orders/{order.pk}/deduct/", {
        "voucher": voucher.pk, "amount": "1500.00", "declares_no_other_subsidy": "on"}).content.decode()
    assert 'data-testid="deduct-confirm"' in checked and "抵扣后不可撤销" in checked
    assert Order.objects.get(pk=order.pk).state == "rated"
    response = client.post(f"/vouchers/orders/{order.pk}/deduct/", {
        "voucher": voucher.pk, "amount": "1500.00", "declares_no_other_subsidy": "on", "confirmed": "1"}, follow=True)
    assert "已使用服务券抵扣 1500.00 元" in response.content.decode()
    assert IssuanceBatch.objects.count() == 1


def test_the_deduction_is_checked_before_the_confirmation_and_the_refusal_names_the_real_maximum(june, client):
    # given: a 2,000 voucher and an order of 48,000 (ratio cap 24,000): the real maximum is the voucher's 2,000
    buyer = qualified_buyer(quota="5000.00")
    voucher = claimed_voucher(buyer, open_batch(types=((CAT, "2000.00", 5),)))
    order = order_in_state(buyer, provider_user(), "rated", amount="48000.00")
    client.force_login(buyer)
    assert "¥2,000.00" in client.get(f"/vouchers/orders/{order.pk}/").content.decode()
    # when: the buyer asks for 30,000
    response = client.post(f"/vouchers/orders/{order.pk}/deduct/", {
        "voucher": voucher.pk, "amount": "30000.00", "declares_no_other_subsidy": "on"})
    page = response.content.decode()
    # then: refused with the real maximum, and no confirmation offered
    assert response.status_code == 400
    assert "本订单最多可抵扣 2000.00 元" in page
    assert 'data-testid="deduct-confirm"' not in page
    # and 0.01 over the real maximum is refused too, the maximum itself is offered for confirmation
    over = client.post(f"/vouchers/orders/{order.pk}/deduct/", {
        "voucher": voucher.pk, "amount": "2000.01", "declares_no_other_subsidy": "on"}).content.decode()
    assert 'data-testid="deduct-confirm"' not in over and "本订单最多可抵扣 2000.00 元" in over
    exact = client.post(f"/vouchers/orders/{order.pk}/deduct/", {
        "voucher": voucher.pk, "amount": "2000.00", "declares_no_other_subsidy": "on"}).content.decode()
    assert 'data-testid="deduct-confirm"' in exact


def test_home_pages_list_pending_money_work_and_nav_links(june, client, make_user):
    buyer, provider = qualified_buyer(), provider_user()
    order_in_state(buyer, provider, "completed")
    client.force_login(buyer)
    page = client.get("/home/").content.decode()
    assert "服务已完成、待您评价的订单" in page and "我的服务券" in page
    client.force_login(provider)
    page = client.get("/home/").content.decode()
    assert "收到的订单" in page
    client.force_login(make_user(role=Role.BUREAU))
    page = client.get("/home/").content.decode()
    assert "服务券资金与批次" in page


def test_staff_read_money_rows_in_the_admin_but_cannot_edit_them(june, client, make_user):
    voucher = claimed_voucher(qualified_buyer())
    client.force_login(make_user(role=Role.BUREAU))
    assert client.get("/admin/vouchers/voucher/").status_code == 200
    assert client.get(f"/admin/vouchers/voucher/{voucher.pk}/change/").status_code == 200
    assert client.post(f"/admin/vouchers/voucher/{voucher.pk}/change/", {"balance": "1.00"}).status_code == 403
    assert client.get("/admin/vouchers/ledgerentry/").status_code == 200
    assert client.get("/admin/vouchers/fund/add/").status_code == 200


def test_the_bureau_creates_and_publishes_a_batch_on_its_pages(june, client, make_user):
    from vouchers.tests.money_factories import fund

    fund(2026)
    client.force_login(make_user(role=Role.BUREAU))
    response = client.post("/vouchers/batches/new/", {
        "year": 2026, "title": "2026 年度第二批", "opens_at": "2026-06-05T09:00", "closes_at": "2026-06-20T17:00",
        "valid_until": "", "types-TOTAL_FORMS": "4", "types-INITIAL_FORMS": "0", "types-MIN_NUM_FORMS": "0",
        "types-MAX_NUM_FORMS": "10", "types-0-category": "legal", "types-0-face_value": "1500.00",
        "types-0-count": "30", "types-1-category": "talent", "types-1-face_value": "800.00", "types-1-count": "10"})
    batch = IssuanceBatch.objects.get(title="2026 年度第二批")
    assert response.status_code == 302 and batch.state == "draft"
    assert sorted(batch.voucher_types.values_list("category", "count")) == [("legal", 30), ("talent", 10)]
    client.post(f"/vouchers/batches/{batch.pk}/open/")
    assert IssuanceBatch.objects.get(pk=batch.pk).state == "open"


def test_batch_list_is_bounded_in_queries(june, api_as, django_assert_max_num_queries):
    for _ in range(6):
        open_batch(types=((CAT, "100.00", 5), ("legal", "200.00", 5)))
    client = api_as(qualified_buyer())
    with django_assert_max_num_queries(5):
        listing = client.get("/api/v1/batches/").json()
    assert listing["count"] == 6 and len(listing["results"][0]["voucher_types"]) == 2


def test_a_charge_refused_after_the_response_was_stored_rolls_the_stored_response_back(june, api_as, monkeypatch):
    """The deduction stores the idempotency record's response before it charges the fund: when the charge then
    finds the remainder taken (a concurrent deduction, simulated here), the stored response goes with the rest,
    and a retry with the same key runs again and succeeds once the money is there."""
    from vouchers.services import deductions

    buyer_user = qualified_buyer(quota="5000.00")
    voucher = claimed_voucher(buyer_user, open_batch(types=((CAT, "5000.00", 5),)))
    order = order_in_state(buyer_user, provider_user(), "rated")
    charge = deductions.provider_cap_charge

    def remainder_taken_meanwhile(**kwargs):
        Fund.objects.filter(year=2026).update(deducted=F("total") - Decimal("50.00"))  # rolled back with the rest
        return charge(**kwargs)

    monkeypatch.setattr(deductions, "provider_cap_charge", remainder_taken_meanwhile)
    client, body = api_as(buyer_user), {"voucher": voucher.pk, "amount": "100.00", "declares_no_other_subsidy": True}
    refused = client.post(f"/api/v1/orders/{order.pk}/deduct/", body, format="json", HTTP_IDEMPOTENCY_KEY="early")
    assert refused.status_code == 409 and refused.json()["code"] == "fund_remainder_exceeded"
    assert not IdempotencyRecord.objects.filter(key="early").exists() and not Deduction.objects.exists()
    monkeypatch.setattr(deductions, "provider_cap_charge", charge)
    again = client.post(f"/api/v1/orders/{order.pk}/deduct/", body, format="json", HTTP_IDEMPOTENCY_KEY="early")
    assert again.status_code == 200 and "Idempotent-Replay" not in again
    assert IdempotencyRecord.objects.get(key="early").response_body["state"] == "deducted"
