"""Journey (第十八–二十条): a complaint about an order → the service center investigates and finds it true →
the bureau confirms the fraud (ban, money recovered in the ledger) → the enterprise can no longer claim a voucher:
the claim button and the API both refuse with the ban message."""
import pytest

from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import PASSWORD
from hangqifu.core.choices import ServiceCategory
from supervision.complaints import complaint_file
from supervision.models import Recovery
from vouchers.models import LedgerEntry
from vouchers.services.deductions import deduction_apply
from vouchers.services.ledger import ledger_verify
from vouchers.tests.money_factories import claimed_voucher, open_batch, order_in_state, provider_user, qualified_buyer

from .browser_steps import logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CAT = ServiceCategory.DIGITAL_EMPOWERMENT


def test_complaint_investigation_fraud_confirmed_and_the_enterprise_can_no_longer_claim(
        live_server, page, login, make_user, set_clock, api_as):
    # given an enterprise that claimed a voucher and took a deduction on an order, and a batch still open
    set_clock("2026-06-01T09:00:00+08:00")
    from hangqifu.policy.models import PolicyYear

    PolicyYear.objects.get_or_create(year=2026)
    buyer = qualified_buyer(quota="20000.00", username="ban-ent")
    make_user(role=Role.SERVICE_CENTER, username="ban-center")
    make_user(role=Role.BUREAU, username="ban-bureau")
    batch = open_batch(types=((CAT, "5000.00", 10), (ServiceCategory.LEGAL, "1000.00", 10)))
    voucher = claimed_voucher(buyer, batch, batch.voucher_types.get(category=CAT))
    order = order_in_state(buyer, provider_user(), "rated", amount="10000.00")
    deduction_apply(actor=buyer, order_id=order.pk, voucher_id=voucher.pk, amount="5000.00",
                    declares_no_other_subsidy=True)
    complaint = complaint_file(subject="订单虚构", content="该订单并未实际提供服务，系虚构合同套取服务券。",
                               name="钱先生", contact="13900002222", object_type="order", object_id=str(order.pk))
    page.on("dialog", lambda dialog: dialog.accept())

    # the service center investigates and finds the complaint true
    login("ban-center", PASSWORD)
    page.goto(f"{live_server.url}/audit/complaints/{complaint.pk}/")
    page.get_by_role("button", name="开始调查（由我承办）").click()
    page.fill("textarea[name=findings]", "经核查服务未实际提供，合同系虚构，移送市经信局处理。")
    page.get_by_role("button", name="办结").click()
    assert page.get_by_test_id("complaint-state").inner_text() == "已办结"
    logout(page)

    # the bureau confirms the fraud: ban, recovery of the deduction
    login("ban-bureau", PASSWORD)
    page.goto(f"{live_server.url}/audit/recoveries/")
    page.get_by_role("link", name="认定违规并追回资金").click()
    page.select_option("select[name=organisation]", str(buyer.organisation_id))
    page.fill("textarea[name=reason]", f"虚构服务合同套取服务券（投诉 {complaint.tracking_number} 查实）")
    page.fill("input[name=orders]", order.number)
    page.get_by_role("button", name="认定并追回").click()
    assert page.get_by_test_id("recovery-amount").inner_text() == "¥5,000.00"
    assert page.get_by_test_id("recovery-state").inner_text() == "待追回"
    recovery = Recovery.objects.get()
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REVERSAL, reference=recovery.number).count() == 1
    assert ledger_verify().ok
    logout(page)

    # the enterprise tries to claim another voucher: the button refuses with the ban message
    login("ban-ent", PASSWORD)
    page.goto(f"{live_server.url}/vouchers/batches/{batch.pk}/")
    legal = batch.voucher_types.get(category=ServiceCategory.LEGAL)
    page.get_by_test_id(f"claim-{legal.pk}").click()
    assert "该组织因违规已被禁止使用服务券及相关政策资金至 2029-05-31" in page.locator(".messages").inner_text()
    assert buyer.organisation.vouchers.count() == 1

    # and so does the API
    response = api_as(buyer).post(f"/api/v1/batches/{batch.pk}/claim/", {"voucher_type": legal.pk}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "banned"
    assert "禁止使用服务券" in response.json()["detail"]
