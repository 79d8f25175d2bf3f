from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hangqifu.core.errors import DomainError
from hangqifu.core.throttle import throttle_posts
from hangqifu.documents.selectors import documents_for

from . import selectors, services
from .forms import ObjectionForm
from .models import KIND_LABELS, PublicNotice


def notice_list(request):
    state = request.GET.get("state") if request.GET.get("state") in PublicNotice.State.values else None
    kind = request.GET.get("kind") if request.GET.get("kind") in KIND_LABELS else None
    page = Paginator(selectors.public_notices(state=state, kind=kind), 20).get_page(request.GET.get("page"))
    states = [(value, label) for value, label in PublicNotice.State.choices if value != PublicNotice.State.DRAFT]
    return render(request, "notices/list.html", {"page": page, "states": states, "kinds": KIND_LABELS.items(),
                                                 "state": state, "kind": kind})


def _detail_context(request, notice, form=None):
    is_open = services.notice_is_open(notice)
    if form is None and is_open and request.user.is_authenticated:
        form = ObjectionForm(notice=notice)
    return {"notice": notice, "items": notice.items.all(), "is_open": is_open, "form": form,
            "attachments": documents_for(notice),
            "my_objections": selectors.objections_of(notice=notice, user=request.user)}


def notice_detail(request, pk: int):
    notice = selectors.notice_for(notice_id=pk, user=request.user)
    if notice is None:
        raise Http404("公示不存在")
    return render(request, "notices/detail.html", _detail_context(request, notice))


@require_POST
@login_required
@throttle_posts("public_form")
def objection_create(request, pk: int):
    notice = selectors.notice_for(notice_id=pk, user=request.user)
    if notice is None:
        raise Http404("公示不存在")
    form = ObjectionForm(request.POST, notice=notice)
    if form.is_valid():
        try:
            services.objection_file(notice=notice, user=request.user, content=form.cleaned_data["content"],
                                    item=form.cleaned_data["item"])
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, "异议已提交，处理结果将通过站内通知告知您")
            return redirect(notice)
    return render(request, "notices/detail.html", _detail_context(request, notice, form), status=400)
