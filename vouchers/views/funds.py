"""Pages: issuance batches (list, batch page with countdown and live remaining counts, claim), and the
bureau's fund and batch usage screen with fund/batch creation."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hangqifu.core import clock
from hangqifu.core.errors import DomainError
from registration.selectors.quota import qualification_of

from .. import permissions as perms
from ..forms import BatchForm, FundForm, VoucherTypeFormSet, show_domain_error
from ..selectors import funds as selectors
from ..services import funds as services


def _staff_required(view):
    def wrapped(request, *args, **kwargs):
        if not perms.is_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)
    wrapped.__name__, wrapped.__doc__ = view.__name__, view.__doc__
    return login_required(wrapped)


@login_required
def batch_list(request):
    batches = selectors.batches_visible_to(user=request.user)[:50]
    return render(request, "vouchers/money/batch_list.html", {"batches": batches})


@login_required
def batch_detail(request, pk: int):
    batch = selectors.batch_get(user=request.user, batch_id=pk)
    now = clock.now()
    can_claim = perms.is_buyer(request.user)
    qualification = (qualification_of(organisation_id=request.user.organisation_id, year=batch.year)
                     if can_claim else None)
    return render(request, "vouchers/money/batch_detail.html", {
        "batch": batch, "qualification": qualification,
        "options": selectors.claim_options(batch=batch, qualification=qualification, now=now) if can_claim else
        [selectors.ClaimOption(t, None) for t in batch.voucher_types.all()],
        "window_refusal": selectors.voucher_claim_window_refusal(batch=batch, now=now),
        "total_remaining": sum(t.remaining for t in batch.voucher_types.all()),
        "can_claim": can_claim, "server_now": now,
        "transitions": [t for t in batch.get_available_state_transitions() if t.has_perm(batch, request.user)],
    })


@login_required
def batch_live(request, pk: int):
    """JSON polled by the batch page (data-poll): remaining counts and whether claims are open."""
    batch = selectors.batch_get(user=request.user, batch_id=pk)
    return JsonResponse(selectors.batch_live_figures(batch, user=request.user))


@require_POST
@login_required
def batch_transition(request, pk: int, action: str):
    service = {"open": services.batch_open, "close": services.batch_close}.get(action)
    if service is None:
        raise Http404
    try:
        service(actor=request.user, batch_id=pk)
        messages.success(request, "批次已发布" if action == "open" else "批次已结束")
    except DomainError as exc:
        messages.error(request, exc.message())
    return redirect("vouchers:batch-detail", pk=pk)


@_staff_required
def fund_usage(request):
    """Bureau screen: each year's fund (total, deducted, available) and each batch's slots used."""
    fund_form = FundForm(request.POST or None) if perms.is_bureau(request.user) else None
    if request.method == "POST" and fund_form is not None and fund_form.is_valid():
        try:
            fund = services.fund_create(actor=request.user, **fund_form.cleaned_data)
            messages.success(request, f"已设立 {fund.year} 年度服务券资金 {fund.total} 元")
            return redirect("vouchers:fund-usage")
        except DomainError as exc:
            show_domain_error(fund_form, exc)
    return render(request, "vouchers/money/fund_usage.html", {
        "funds": selectors.fund_usage(), "batches": selectors.batch_usage().order_by("-opens_at")[:30],
        "fund_form": fund_form, "is_bureau": perms.is_bureau(request.user),
    })


@_staff_required
def batch_new(request):
    if not perms.is_bureau(request.user):
        raise Http404
    form = BatchForm(request.POST or None)
    formset = VoucherTypeFormSet(request.POST or None, prefix="types")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        types = [f.cleaned_data for f in formset if f.cleaned_data.get("category")]
        try:
            batch = services.batch_create(actor=request.user, **form.cleaned_data, voucher_types=types)
            messages.success(request, f"已创建批次“{batch.title}”（草稿），核对后发布")
            return redirect("vouchers:batch-detail", pk=batch.pk)
        except DomainError as exc:
            show_domain_error(form, exc)
            for key, errors in exc.fields.items():
                if key.startswith("voucher_types"):
                    form.add_error(None, f"券种设置：{'；'.join(errors)}")
    return render(request, "vouchers/money/batch_new.html", {"form": form, "formset": formset})
