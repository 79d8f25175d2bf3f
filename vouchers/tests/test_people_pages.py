"""What a holder sees agrees with what the services decide: one 还可领取 on every page; the batch page's
buttons carry the claim service's own refusal; the live figures give the server's clock and the headroom;
registration and orders show their step progress."""
import re

import pytest

from hangqifu.core.choices import ServiceCategory

from .money_factories import at, bureau_user, claimed_voucher, open_batch, order_in_state, provider_user, qualified_buyer
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db
CAT = ServiceCategory.DIGITAL_EMPOWERMENT


@pytest.fixture
def june(set_clock):
    return set_clock("2026-06-01T09:00:00+08:00")


def _text(response) -> str:
    return re.sub(r"<[^>]+>", "", response.content.decode())


def test_the_qualification_my_vouchers_batch_and_home_pages_show_one_headroom(june, client):
    # given: quota 10,000, 2,000 used, a 5,000 voucher in hand → 还可领取 3,000 (not quota − used = 8,000)
    from vouchers.services.deductions import deduction_apply

    buyer = qualified_buyer(quota="10000.00")
    batch = open_batch(types=((CAT, "2000.00", 10), (CAT, "5000.00", 10)))
    spent = claimed_voucher(buyer, batch, batch.voucher_types.get(face_value="2000.00"))
    order = order_in_state(buyer, provider_user(), "rated", amount="4000.00")
    deduction_apply(actor=buyer, order_id=order.pk, voucher_id=spent.pk, amount="2000.00",
                    declares_no_other_subsidy=True)
    claimed_voucher(buyer, batch, batch.voucher_types.get(face_value="5000.00"))
    client.force_login(buyer)

    # when / then: every page that shows it says ¥3,000.00
    for url in ("/vouchers/qualification/", "/vouchers/my-vouchers/", f"/vouchers/batches/{batch.pk}/", "/home/"):
        page = _text(client.get(url))
        assert re.search(r"还可领取\s*¥3,000\.00", page), url
        assert "¥8,000.00" not in page, url
    # and the API gives the same figure beside quota − used
    response = client.get("/api/v1/qualifications/?year=2026").json()
    row = response["results"][0] if "results" in response else response[0]
    assert (row["headroom"], row["remaining"]) == ("3000.00", "8000.00")


def test_the_batch_page_disables_what_the_claim_service_would_refuse_with_its_reason(june, client):
    # given: headroom 3,000 (quota 3,000), types of 3,000 (fits exactly), 3,000.01 (0.01 over) and one sold out
    buyer = qualified_buyer(quota="3000.00")
    batch = open_batch(types=((CAT, "3000.00", 2), (CAT, "3000.01", 2), (ServiceCategory.LEGAL, "100.00", 1)))
    fits, over, legal = (batch.voucher_types.get(face_value=v) for v in ("3000.00", "3000.01", "100.00"))
    legal.remaining = 0
    legal.save(update_fields=["remaining"])
    client.force_login(buyer)

    page = client.get(f"/vouchers/batches/{batch.pk}/").content.decode()

    def button(vtype):
        return re.search(rf'<button[^>]*data-testid="claim-{vtype.pk}"[^>]*>', page, re.S).group(0)

    assert "disabled" not in button(fits)
    assert "disabled" in button(over) and "还可领取 3000.00 元，不足面额 3000.01 元" in page
    assert "disabled" in button(legal) and "该券种已被领完" in page
    # the page carries what its script needs: the server's clock, the window and the headroom
    assert 'data-server-now="2026-06-01T09:00:00+08:00"' in page and 'data-headroom="3000.00"' in page


def test_before_the_opening_the_buttons_wait_and_the_live_figures_carry_the_server_clock(set_clock, client):
    set_clock("2026-05-01T08:59:59+08:00")
    buyer = qualified_buyer(quota="5000.00")
    batch = open_batch(opens="2026-05-01 09:00", types=((CAT, "1000.00", 5),))
    vtype = batch.voucher_types.get()
    client.force_login(buyer)
    page = client.get(f"/vouchers/batches/{batch.pk}/").content.decode()
    assert re.search(rf'data-testid="claim-{vtype.pk}"[^>]*disabled', page, re.S)
    assert "该批次将于 2026-05-01 09:00 开始领取" in page
    live = client.get(f"/vouchers/batches/{batch.pk}/live/").json()
    assert live["now"].startswith("2026-05-01T08:59:59") and live["opens_at"] == at("2026-05-01 09:00").isoformat()
    assert live["claimable"] is False and live["headroom"] == "5000.00"
    # one second later it is open, by the same clock
    set_clock("2026-05-01T09:00:00+08:00")
    page = client.get(f"/vouchers/batches/{batch.pk}/").content.decode()
    assert not re.search(rf'data-testid="claim-{vtype.pk}"[^>]*disabled', page, re.S)
    assert client.get(f"/vouchers/batches/{batch.pk}/live/").json()["claimable"] is True


def test_registration_and_order_pages_show_their_steps_who_acts_next_and_the_deadline(june, client, make_user):
    from hangqifu.accounts.roles import Role

    applicant = make_user(role=Role.ENTERPRISE)
    registration = make_registration(applicant, state="submitted")
    client.force_login(applicant)
    page = _text(client.get(f"/vouchers/registration/{registration.pk}/"))
    assert "形式预审" in page and "市工信服务中心（形式预审）" in page
    assert "审核期限" in page and "个工作日" in page

    buyer, provider = qualified_buyer(), provider_user()
    order = order_in_state(buyer, provider, "completed")
    client.force_login(buyer)
    page = client.get(f"/vouchers/orders/{order.pk}/").content.decode()
    assert 'aria-current="step"' in page and "购买方（满意度评价）" in page
    assert re.search(r'step-done".*服务履约', page, re.S)


def test_the_voucher_list_names_the_holder_for_staff_only(june, client):
    buyer = qualified_buyer()
    claimed_voucher(buyer, open_batch())
    client.force_login(buyer)
    assert "持券主体" not in _text(client.get("/vouchers/my-vouchers/"))
    client.force_login(bureau_user())
    page = _text(client.get("/vouchers/my-vouchers/"))
    assert "持券主体" in page and buyer.organisation.name in page
