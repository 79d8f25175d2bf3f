"""Pages: the provider's claim form, the admin review buttons, and who may open what."""
import pytest

from ..models import RedemptionClaim
from . import factories
from .factories import deducted_order

pytestmark = pytest.mark.django_db


def test_claim_form_refuses_a_wrong_invoice_and_files_a_right_one(now, provider, client):
    order = deducted_order(provider.organisation, amount="9000.00", deduction="4500.00")
    client.force_login(provider)
    page = client.get("/redemption/claims/new/")
    assert order.number in page.content.decode() and "¥4,500.00" in page.content.decode()
    wrong = client.post("/redemption/claims/new/", {f"order_{order.pk}": "1", f"invoice_number_{order.pk}": "A1",
                                                    f"invoice_amount_{order.pk}": "9000.00"}, follow=True)
    assert "发票金额应为订单实际金额" in wrong.content.decode() and not RedemptionClaim.objects.exists()
    right = client.post("/redemption/claims/new/", {f"order_{order.pk}": "1", f"invoice_number_{order.pk}": "A1",
                                                    f"invoice_amount_{order.pk}": "4500.00"})
    claim = RedemptionClaim.objects.get()
    assert right.status_code == 302 and right["Location"] == f"/redemption/claims/{claim.pk}/"
    detail = client.get(right["Location"]).content.decode()
    assert "提交兑付申请" in detail and "✘ 服务合同" in detail


def test_admin_review_buttons_call_the_services(now, provider, center, bureau, client):
    claim = factories.submitted_claim(provider, [deducted_order(provider.organisation)])
    client.force_login(center)
    change = client.get(f"/admin/redemption/redemptionclaim/{claim.pk}/change/")
    assert change.status_code == 200 and "形式预审通过并核定金额" in change.content.decode()
    # the panel's inputs and buttons name the one form that posts to the claim's decision page
    assert (f'<form method="post" action="/admin/redemption/redemptionclaim/{claim.pk}/review/" id="decision-form">'
            in change.content.decode())
    assert f'name="verified_{claim.lines.get().order_id}" form="decision-form"' in change.content.decode()
    assert '<button type="submit" form="decision-form" name="action" value="pre_review"' in change.content.decode()
    client.post(f"/admin/redemption/redemptionclaim/{claim.pk}/review/", {"action": "return", "opinion": ""})
    assert RedemptionClaim.objects.get(pk=claim.pk).state == RedemptionClaim.State.SUBMITTED  # opinion required
    client.post(f"/admin/redemption/redemptionclaim/{claim.pk}/review/", {"action": "pre_review", "opinion": "齐全",
                                                                          f"verified_{claim.lines.get().order_id}": "100.00"})
    claim = RedemptionClaim.objects.get(pk=claim.pk)
    assert claim.state == RedemptionClaim.State.PRE_REVIEWED and str(claim.verified_amount) == "100.00"
    # the service center cannot approve, even by posting the button's action
    client.post(f"/admin/redemption/redemptionclaim/{claim.pk}/review/", {"action": "approve"})
    assert RedemptionClaim.objects.get(pk=claim.pk).state == RedemptionClaim.State.PRE_REVIEWED
    client.force_login(bureau)
    client.post(f"/admin/redemption/redemptionclaim/{claim.pk}/review/", {"action": "approve"})
    assert RedemptionClaim.objects.get(pk=claim.pk).state == RedemptionClaim.State.APPROVED


def test_who_may_open_which_page(now, provider, client):
    claim = factories.submitted_claim(provider, [deducted_order(provider.organisation)])
    assert client.get("/redemption/schedule/").status_code == 200
    assert client.get("/redemption/claims/").status_code == 302
    client.force_login(factories.provider_user("xihu", name="另一家机构"))
    assert client.get(f"/redemption/claims/{claim.pk}/").status_code == 404
    assert client.get("/redemption/batches/").status_code == 403
    assert client.get("/redemption/payments/").status_code == 403
    client.force_login(factories.district_user("xihu"))
    assert client.get("/redemption/claims/").status_code == 403
    assert client.get("/redemption/payments/").status_code == 200


def test_pending_work_and_navigation_per_role(now, provider, center, bureau, client):
    factories.submitted_claim(provider, [deducted_order(provider.organisation)])
    deducted_order(provider.organisation)
    client.force_login(center)
    home = client.get("/home/").content.decode()
    assert "待形式预审的兑付申请" in home and "兑付结算批次" in home
    client.force_login(provider)
    home = client.get("/home/").content.decode()
    assert "可申请兑付的已抵扣订单" in home and "/redemption/claims/" in home
    client.force_login(factories.district_user("xihu"))
    assert "兑付资金支付" in client.get("/home/").content.decode()
