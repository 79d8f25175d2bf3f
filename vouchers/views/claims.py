"""Page: my vouchers (balance, expiry, state) with the year's quota figures."""
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from hangqifu.core import clock
from registration.selectors.quota import qualification_of

from .. import permissions as perms
from ..models.vouchers import Voucher
from ..selectors import claims as selectors


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
