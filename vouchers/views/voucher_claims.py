"""Pages of the voucher claim (领券, posted from the batch page) and of my vouchers (balance, expiry, state) with the
year's quota figures."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from hangqifu.core import clock
from hangqifu.core.errors import DomainError
from registration.selectors.quota import qualification_of

from .. import permissions as perms
from ..models.vouchers import Voucher
from ..selectors import vouchers as selectors
from ..services import voucher_claims as services


@login_required
def my_vouchers(request):
    if not (perms.is_buyer(request.user) or perms.is_staff(request.user)):
        raise Http404
    state = request.GET.get("state") or None
    vouchers = selectors.vouchers_for(user=request.user, state=state, year=request.GET.get("year"))
    page = Paginator(vouchers, 20).get_page(request.GET.get("page"))
    qualification = (qualification_of(organisation_id=request.user.organisation_id, year=clock.current_year())
                     if perms.is_buyer(request.user) else None)
    return render(request, "vouchers/money/my_vouchers.html", {
        "page": page, "state": state, "states": Voucher.State.choices, "qualification": qualification,
    })


@require_POST
@login_required
def batch_claim(request, pk: int):
    try:
        voucher = services.voucher_claim(actor=request.user, batch_id=pk,
                                        voucher_type_id=request.POST.get("voucher_type"))
    except DomainError as exc:
        messages.error(request, exc.message())
        return _claim_answer(request, reverse("vouchers:batch-detail", args=[pk]))
    messages.success(request, f"领取成功：{voucher.number}，面额 {voucher.face_value} 元，有效期至 {voucher.expires_on}")
    return _claim_answer(request, reverse("vouchers:my-vouchers"))


def _claim_answer(request, location: str):
    """A redirect; to the claim page's script (which queues on 429, static/js/claim.js) the place to go, so the
    message is shown by the page it opens there."""
    if request.headers.get("X-Claim-Queue") == "1":
        return JsonResponse({"location": location})
    return redirect(location)
