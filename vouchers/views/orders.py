"""Pages: orders (buyer's orders, provider's incoming orders, staff's all), the new-order form with a product
picker, and the order page with its timeline and the caller's actions (upload the stamped letter, confirm
completion, rate, apply a voucher with the maximum deductible amount and why, cancel)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hangqifu.core.errors import DomainError
from hangqifu.documents.selectors import documents_for
from providers.selectors import catalogue

from .. import permissions as perms
from ..models.orders import Order
from ..forms import CancelForm, CompleteForm, DeductForm, FileForm, OrderForm, RateForm, show_domain_error
from ..selectors import orders as selectors
from ..services import deductions as deduction_services
from ..services import orders as services


@login_required
def order_list(request):
    if not (perms.is_buyer(request.user) or perms.is_provider(request.user) or perms.is_staff(request.user)):
        raise Http404
    state = request.GET.get("state") or None
    orders = selectors.orders_for(user=request.user, state=state, year=request.GET.get("year"))
    title = "收到的订单" if perms.is_provider(request.user) else ("我的订单" if perms.is_buyer(request.user) else "服务订单")
    return render(request, "vouchers/money/order_list.html", {
        "page": Paginator(orders, 20).get_page(request.GET.get("page")), "state": state,
        "states": Order.State.choices, "title": title,
    })


@login_required
def order_new(request):
    if not perms.is_buyer(request.user):
        raise Http404
    products = list(catalogue()[:300])
    chosen = request.GET.get("product")
    form = OrderForm(request.POST or None, request.FILES or None, products=products,
                     initial={"product": chosen} if chosen else None)
    if chosen and not request.POST:
        price = next((p.price for p in products if str(p.pk) == chosen), None)
        form.fields["amount"].initial = price
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_create(actor=request.user, product_id=form.cleaned_data["product"],
                                          amount=form.cleaned_data["amount"], contract=form.cleaned_data["contract"])
            messages.success(request, f"订单 {order.number} 已创建。请下载承诺书，盖章后上传并交给服务机构。")
            return redirect("vouchers:order-detail", pk=order.pk)
        except DomainError as exc:
            show_domain_error(form, exc)
    return render(request, "vouchers/money/order_new.html", {"form": form, "has_products": bool(products)})


def _detail_context(request, order, deduct_confirm=None, **forms):
    user = request.user
    actions = selectors.order_actions(order, user)
    context = {
        "order": order, "actions": actions, "timeline": selectors.order_timeline(order),
        "documents": documents_for(order), "is_buyer": perms.is_buyer_of(order, user),
        "is_provider": perms.is_provider_of(order, user),
        "has_stamped_letter": documents_for(order, "stamped_commitment_letter").exists(),
        "letter_title": services.commitment_letter_title(order),
        "deduction": getattr(order, "deduction", None) if order.state == Order.State.DEDUCTED else None,
        "deduct_confirm": deduct_confirm,
    }
    if order.state == Order.State.RATED or "deduct" in actions:
        quote = selectors.deduction_quote(order, user)
        context["quote"] = quote
        if perms.is_buyer_of(order, user) and quote.vouchers:
            context["deduct_form"] = forms.get("deduct_form") or DeductForm(
                vouchers=quote.vouchers, initial={"amount": quote.vouchers[0][1]})
    if "complete" in actions:
        context["complete_form"] = forms.get("complete_form") or CompleteForm()
        refusal = services.completion_refusal(order)
        context["complete_refusal"] = refusal.detail if refusal else ""
    if "rate" in actions:
        context["rate_form"] = forms.get("rate_form") or RateForm()
    if "cancel" in actions:
        context["cancel_form"] = CancelForm()
    if perms.is_buyer_of(order, user) and order.state != Order.State.CANCELLED:
        context["letter_form"] = forms.get("letter_form") or FileForm()
    return context


@login_required
def order_detail(request, pk: int):
    order = selectors.order_get(user=request.user, order_id=pk)
    return render(request, "vouchers/money/order_detail.html", _detail_context(request, order))


@login_required
def order_commitment_letter(request, pk: int):
    order = selectors.order_get(user=request.user, order_id=pk)
    response = HttpResponse(services.commitment_letter_pdf(order=order), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="commitment-letter-{order.number}.pdf"'
    return response


def _submit(request, pk, *, form, form_key: str, action) -> HttpResponse:
    """A POSTed form of the order page: on success `action(cleaned_data)` returns the message and the page
    reloads; a refusal shows the service's message on the form, on the order page."""
    if form.is_valid():
        try:
            messages.success(request, action(form.cleaned_data))
            return redirect("vouchers:order-detail", pk=pk)
        except DomainError as exc:
            show_domain_error(form, exc)
    order = selectors.order_get(user=request.user, order_id=pk)
    return render(request, "vouchers/money/order_detail.html",
                  _detail_context(request, order, **{form_key: form}), status=400)


@require_POST
@login_required
def order_letter_upload(request, pk: int):
    def action(data):
        services.order_upload_stamped_letter(actor=request.user, order_id=pk, uploaded_file=data["file"])
        return "盖章承诺书已上传"

    return _submit(request, pk, form=FileForm(request.POST, request.FILES), form_key="letter_form", action=action)


@require_POST
@login_required
def order_complete(request, pk: int):
    def action(data):
        services.order_complete(actor=request.user, order_id=pk, service_records=data["service_records"],
                                note=data["note"])
        return "已确认服务完成，等待购买方评价"

    return _submit(request, pk, form=CompleteForm(request.POST, request.FILES), form_key="complete_form",
                   action=action)


@require_POST
@login_required
def order_rate(request, pk: int):
    def action(data):
        services.order_rate(actor=request.user, order_id=pk, **data)
        return "评价已提交，现在可以使用服务券抵扣"

    return _submit(request, pk, form=RateForm(request.POST), form_key="rate_form", action=action)


@require_POST
@login_required
def order_deduct(request, pk: int):
    """Two steps: the amount is checked against every rule first (nothing written), then the person confirms
    the checked amount (`confirmed`), and only then is the irreversible deduction applied."""
    order = selectors.order_get(user=request.user, order_id=pk)
    quote = selectors.deduction_quote(order, request.user)
    form = DeductForm(request.POST, vouchers=quote.vouchers)
    if request.POST.get("confirmed") != "1":
        if form.is_valid():
            data = form.cleaned_data
            try:
                amount = deduction_services.deduction_check(
                    actor=request.user, order_id=pk, voucher_id=data["voucher"], amount=data["amount"],
                    declares_no_other_subsidy=data["declares_no_other_subsidy"])
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                voucher = next(v for v, _ in quote.vouchers if v.pk == data["voucher"])
                return render(request, "vouchers/money/order_detail.html", _detail_context(
                    request, order, deduct_form=form,
                    deduct_confirm={"voucher": voucher, "amount": amount, "rest": order.amount - amount}))
        return render(request, "vouchers/money/order_detail.html",
                      _detail_context(request, order, deduct_form=form), status=400)

    def action(data):
        deduction = deduction_services.deduction_apply(
            actor=request.user, order_id=pk, voucher_id=data["voucher"], amount=data["amount"],
            declares_no_other_subsidy=data["declares_no_other_subsidy"])
        return f"已使用服务券抵扣 {deduction.amount} 元"

    return _submit(request, pk, form=form, form_key="deduct_form", action=action)


@require_POST
@login_required
def order_cancel(request, pk: int):
    try:
        services.order_cancel(actor=request.user, order_id=pk, reason=request.POST.get("reason", ""))
        messages.success(request, "订单已取消")
    except DomainError as exc:
        messages.error(request, exc.message())
    return redirect("vouchers:order-detail", pk=pk)
