"""Server-rendered pages: public rounds, catalogue and admitted list; provider applications and products;
expert reviews and conflict declarations; staff decisions on the application page."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hangqifu.accounts.roles import Role
from hangqifu.core.errors import DomainError, NotFound
from hangqifu.core.outcome import add_domain_errors, form_submit, page_outcome
from hangqifu.documents.selectors import documents_for
from hangqifu.policy.services import policy_for

from . import selectors, services
from .conditions import judgement_items
from .forms import (
    ApplicationForm,
    AssignExpertsForm,
    CatalogueFilterForm,
    ConflictForm,
    DocumentForm,
    EvidenceForm,
    OpinionForm,
    PreReviewForm,
    ProductForm,
    ProposedProductFormSet,
    ReviewForm,
    SelectionReviewForm,
)
from .models import ProviderApplication
from .models._perms import is_owner, is_role
from .models.applications import APPLICATION_DOCUMENT_KINDS
from .models.products import Product
from .performance import dissatisfaction_rule
from .services.applications import APPLICATION_FIELDS
from .services.products import PRODUCT_FIELDS

PAGE_SIZE = 20


def _page(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _get_or_404(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


# ---------------------------------------------------------------- public


def rounds(request):
    return render(request, "providers/rounds.html", {"rounds": selectors.announced_rounds()[:20]})


def catalogue(request):
    form = CatalogueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    products = selectors.catalogue(**{k: v for k, v in filters.items() if v not in (None, "")})
    return render(request, "providers/catalogue.html", {"form": form, "page": _page(request, products)})


def catalogue_product(request, pk):
    product = selectors.catalogue().filter(pk=pk).first()
    if product is None:
        raise Http404("服务产品不存在或已下架")
    others = selectors.catalogue(provider_id=product.provider_id).exclude(pk=pk)[:6]
    return render(request, "providers/catalogue_product.html", {"product": product, "others": others,
                                                                "dissatisfaction_rule": _dissatisfaction_rule()})


def _dissatisfaction_rule() -> str:

    try:
        return dissatisfaction_rule(policy_for())
    except NotFound:
        return ""


def admitted(request):
    form = CatalogueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    profiles = selectors.admitted_providers(district=filters.get("district"), category=filters.get("category"),
                                            q=filters.get("q")).order_by("organisation__name")
    return render(request, "providers/admitted.html", {"form": form, "page": _page(request, profiles)})


def provider_page(request, organisation_id):
    profile = _get_or_404(selectors.provider_public, organisation_id=organisation_id)
    if not profile.is_active:
        raise Http404
    products = selectors.catalogue(provider_id=organisation_id)[:50]
    return render(request, "providers/provider.html", {"profile": profile, "products": products})


# ---------------------------------------------------------------- applications


@login_required
def applications(request):
    queryset = selectors.applications_for(user=request.user)
    state = request.GET.get("state")
    if state in ProviderApplication.State.values:
        queryset = queryset.filter(state=state)
    if round_id := request.GET.get("round", "").strip():
        queryset = queryset.filter(round_id=round_id) if round_id.isdigit() else queryset
    return render(request, "providers/applications.html", {
        "page": _page(request, queryset), "states": ProviderApplication.State.choices, "state": state,
        "open_rounds": selectors.open_rounds(), "rounds": selectors.announced_rounds()[:20],
        "can_apply": request.user.has_role(Role.PROVIDER) and not selectors.is_admitted(request.user.organisation),
    })


def _product_initial(application):
    return [{f: getattr(p, f) for f in ("category", "title", "description", "deliverables", "duration_days", "price",
                                        "last_year_average_price", "cases_last_year")}
            for p in application.products.all()]


@login_required
def application_edit(request, pk=None):
    application = _get_or_404(selectors.application_get, user=request.user, pk=pk) if pk else None
    if application is None:
        organisation = request.user.organisation
        initial = {"name": getattr(organisation, "name", ""), "credit_code": getattr(organisation, "credit_code", ""),
                   "district": getattr(organisation, "district", "")}
        product_initial = None
    else:
        initial = {f: getattr(application, f) for f in APPLICATION_FIELDS}
        product_initial = _product_initial(application)
    form = ApplicationForm(request.POST or None, initial=initial)
    formset = ProposedProductFormSet(request.POST or None, initial=product_initial, prefix="products")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        products = [f.cleaned_data for f in formset.forms if f.cleaned_data.get("title")]
        try:
            if application is None:
                application = services.application_create(actor=request.user, products=products, **form.cleaned_data)
            else:
                services.application_update(actor=request.user, application=application, products=products,
                                            **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, "申请已保存，请上传第十五条所列材料后提交")
            return redirect("providers:application-detail", pk=application.pk)
    return render(request, "providers/application_form.html", {
        "form": form, "formset": formset, "application": application, "round": selectors.open_rounds().first()})


@login_required
def application_detail(request, pk):
    application = _get_or_404(selectors.application_get, user=request.user, pk=pk)
    actions = selectors.application_actions(application, request.user)
    documents = list(documents_for(application))
    staff = is_role(request.user, Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU)
    reviews = [r for r in application.reviews.all() if staff or r.reviewer_id == request.user.pk]
    checklist = selectors.application_checklist(application, documents=documents)
    return render(request, "providers/application_detail.html", {
        "application": application, "actions": actions, "documents": documents,
        "checklist": checklist, "judgements": judgement_items(application),
        "hard_failures": [item for item in checklist if item.hard and not item.passed],
        "document_kinds": APPLICATION_DOCUMENT_KINDS, "reviews": reviews, "staff": staff,
        "document_form": DocumentForm(), "pre_review_form": PreReviewForm(), "opinion_form": OpinionForm(),
        "assign_form": AssignExpertsForm(application=application) if "assign-experts" in actions else None,
        "review_form": ReviewForm() if "expert-review" in actions else None,
    })


# The application's actions that post a form: the form, and what a person is told when it is incomplete.
APPLICATION_FORMS = {
    "documents": (DocumentForm, "请选择材料类型和文件"),
    "pre-review": (PreReviewForm, "请选择预审结论"),
    "assign-experts": (AssignExpertsForm, "请选择评审专家"),
    "expert-review": (ReviewForm, "评分须在各项分值范围内，并填写评审意见"),
}


@login_required
@require_POST
def application_act(request, pk, action):
    application = _get_or_404(selectors.application_get, user=request.user, pk=pk)
    opinion = request.POST.get("opinion", "")
    user = request.user
    form = None
    if action in APPLICATION_FORMS:
        form_class, incomplete = APPLICATION_FORMS[action]
        form = form_class(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, incomplete)
            return redirect("providers:review" if action == "expert-review" else "providers:application-detail",
                            pk=pk)
    handlers = {
        "submit": lambda: services.application_submit(actor=user, application=application),
        "return": lambda: services.application_return(actor=user, application=application, opinion=opinion),
        "reject": lambda: services.application_reject(actor=user, application=application, opinion=opinion),
        "confirm": lambda: services.application_confirm(actor=user, application=application, opinion=opinion),
        "documents": lambda: services.application_document_add(
            actor=user, application=application, kind=form.cleaned_data["kind"], uploaded_file=form.cleaned_data["file"]),
        "pre-review": lambda: services.application_pre_review(actor=user, application=application, **form.decision()),
        "assign-experts": lambda: services.experts_assign(actor=user, application=application,
                                                          experts=list(form.cleaned_data["experts"])),
        "expert-review": lambda: services.review_record(actor=user, application=application, scores=form.scores(),
                                                        opinion=form.cleaned_data["opinion"]),
    }
    messages_ok = {"submit": "申请已提交，等待形式预审", "return": "已退回补正", "reject": "已驳回",
                   "confirm": "已确认入选，公示已发布", "pre-review": "预审结论已保存", "documents": "材料已上传",
                   "assign-experts": "已指派评审专家", "expert-review": "评审意见已提交"}
    if action not in handlers:
        raise Http404
    with page_outcome(request, done=messages_ok[action]):
        handlers[action]()
    if action == "expert-review":
        return redirect("providers:reviews")
    return redirect("providers:application-detail", pk=pk)


@login_required
def round_results(request, pk):
    if not is_role(request.user, Role.SERVICE_CENTER, Role.BUREAU):
        raise PermissionDenied
    round = next((r for r in selectors.announced_rounds().filter(pk=pk)), None)
    if round is None:
        raise Http404
    return render(request, "providers/round_results.html", {
        "round": round, "rows": selectors.round_results(round_id=pk)})


# ---------------------------------------------------------------- experts


def _expert_only(request):
    if not request.user.has_role(Role.EXPERT):
        raise PermissionDenied


@login_required
def reviews(request):
    _expert_only(request)
    return render(request, "providers/reviews.html", {"applications": selectors.review_queue_for(expert=request.user)})


@login_required
def review(request, pk):
    _expert_only(request)
    return application_detail(request, pk)


@login_required
def conflicts(request):
    _expert_only(request)
    form = ConflictForm(request.POST or None)
    done, _ = form_submit(request, form, services.conflict_declare)
    if done:
        messages.success(request, "利益冲突已申报；您将不会被指派评审该机构")
        return redirect("providers:conflicts")
    return render(request, "providers/conflicts.html", {
        "form": form, "declarations": selectors.conflicts_for(expert=request.user)})


# ---------------------------------------------------------------- products


@login_required
def products(request):
    queryset = selectors.products_for(user=request.user).order_by("-id")
    state = request.GET.get("state")
    if state in Product.State.values:
        queryset = queryset.filter(state=state)
    return render(request, "providers/products.html", {
        "page": _page(request, queryset), "states": Product.State.choices, "state": state,
        "can_create": request.user.has_role(Role.PROVIDER) and selectors.is_admitted(request.user.organisation)})


@login_required
def product_edit(request, pk=None):
    product = _get_or_404(selectors.product_get, user=request.user, pk=pk) if pk else None
    if product is not None and not is_owner(product.provider_id, request.user):
        raise Http404  # a listed product is public, its edit form is only its provider's
    initial = {f: getattr(product, f) for f in PRODUCT_FIELDS} if product else None
    form = ProductForm(request.POST or None, initial=initial)
    if product is None:
        done, product = form_submit(request, form, services.product_create)
    else:
        done, _ = form_submit(request, form, services.product_update, product=product)
    if done:
        messages.success(request, "产品已保存，请上传定价依据证明后提交审核")
        return redirect("providers:product-detail", pk=product.pk)
    return render(request, "providers/product_form.html", {"form": form, "product": product})


@login_required
def product_detail(request, pk):
    product = _get_or_404(selectors.product_get, user=request.user, pk=pk)
    internal = product.user_can_view(request.user)  # the provider itself and staff: documents, review opinion
    return render(request, "providers/product_detail.html", {
        "product": product, "actions": selectors.product_actions(product, request.user),
        "documents": list(documents_for(product)) if internal else [], "show_internal": internal,
        "evidence_form": EvidenceForm(), "opinion_form": OpinionForm(), "selection_form": SelectionReviewForm()})


@login_required
@require_POST
def product_act(request, pk, action):
    product = _get_or_404(selectors.product_get, user=request.user, pk=pk)
    user, opinion = request.user, request.POST.get("opinion", "")
    handlers = {
        "submit": (lambda: services.product_submit(actor=user, product=product), "已提交审核"),
        "approve": (lambda: services.product_approve(actor=user, product=product, opinion=opinion), "已审核通过并上架"),
        "return": (lambda: services.product_return(actor=user, product=product, opinion=opinion), "已退回修改"),
        "delist": (lambda: services.product_delist(actor=user, product=product, reason=opinion), "已下架"),
        "selection-pre-review": (lambda: services.product_selection_pre_review(actor=user, product=product,
                                                                               opinion=opinion), "已纳入遴选评审"),
        "selection-confirm": (lambda: services.products_selection_confirm(actor=user, products=[product],
                                                                          opinion=opinion), "已确认入选，公示已发布"),
    }
    if action == "selection-review":
        form = SelectionReviewForm(request.POST)
        handlers[action] = (lambda: services.product_selection_review(actor=user, product=product, **form.cleaned_data),
                            "评审结果已录入")
        if not form.is_valid():
            messages.error(request, "请填写评审方、0–100 的评审得分和评审意见")
            return redirect("providers:product-detail", pk=pk)
    if action == "documents":
        form = EvidenceForm(request.POST, request.FILES)
        handlers[action] = (lambda: services.product_evidence_add(actor=user, product=product,
                                                                  uploaded_file=form.cleaned_data["file"]),
                            "定价依据证明已上传")
        if not form.is_valid():
            messages.error(request, "请选择文件")
            return redirect("providers:product-detail", pk=pk)
    if action not in handlers:
        raise Http404
    run, ok = handlers[action]
    with page_outcome(request, done=ok):
        run()
    return redirect("providers:product-detail", pk=pk)

