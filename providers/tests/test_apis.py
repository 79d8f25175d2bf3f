"""The API contract (API.md): provider-applications/, products/, catalogue/, removals/; 404 / 409 / 403."""
import time
from datetime import timedelta
from decimal import Decimal

import pytest

from hangqifu.accounts.roles import Role
from hangqifu.documents.tests.factories import pdf_upload
from hangqifu.notices import services as notices
from hangqifu.notices.models import NoticeItem
from providers.models import Product
from providers.models.applications import REQUIRED_APPLICATION_DOCUMENTS

from .factories import JUDGEMENTS_MET, ProductFactory, SelectionRoundFactory, admitted_provider, provider_user

pytestmark = pytest.mark.django_db
BASE = "/api/v1/provider-applications/"


@pytest.fixture
def world(set_clock, make_user):
    set_clock("2026-06-01T09:00:00+08:00")
    SelectionRoundFactory()
    return {"provider": provider_user(), "center": make_user(role=Role.SERVICE_CENTER),
            "bureau": make_user(role=Role.BUREAU), "expert": make_user(role=Role.EXPERT),
            "enterprise": make_user(role=Role.ENTERPRISE)}


def _body(org):
    return {"name": org.name, "credit_code": org.credit_code, "established_on": "2019-03-01", "district": "xihu",
            "revenue": "4500000.00", "professional_staff": 8, "cases_last_year": 12,
            "categories": ["digital_empowerment", "management_consulting"],
            "products": [{"category": "digital_empowerment", "title": "数字化转型诊断", "description": "调研与评估",
                          "deliverables": "诊断报告", "duration_days": 30, "price": "30000.00",
                          "last_year_average_price": "28000.00", "cases_last_year": 6}]}


def test_full_admission_through_the_api(world, api_as, set_clock):
    provider, center, bureau, expert = (api_as(world[k]) for k in ("provider", "center", "bureau", "expert"))
    # provider creates and uploads
    response = provider.post(BASE, _body(world["provider"].organisation), format="json")
    assert response.status_code == 201, response.json()
    app = response.json()
    assert app["state"] == "draft" and app["revenue"] == "4500000.00"
    assert app["available_actions"] == ["edit", "documents", "submit"]
    assert {c["key"]: c["passed"] for c in app["checklist"]}["materials"] is False
    for kind in REQUIRED_APPLICATION_DOCUMENTS:
        assert provider.post(f"{BASE}{app['id']}/documents/", {"kind": kind, "file": pdf_upload(f"{kind}.pdf")},
                             format="multipart").status_code == 201
    assert provider.post(f"{BASE}{app['id']}/submit/", {}, format="json").json()["state"] == "submitted"
    # others cannot see it; wrong role / wrong state
    assert api_as(world["enterprise"]).get(f"{BASE}{app['id']}/").status_code == 404
    assert expert.get(f"{BASE}{app['id']}/").status_code == 404  # not assigned yet
    assert provider.post(f"{BASE}{app['id']}/pre-review/", {"passed": True}, format="json").status_code == 403
    assert center.post(f"{BASE}{app['id']}/confirm/", {}, format="json").status_code == 403
    assert bureau.post(f"{BASE}{app['id']}/confirm/", {}, format="json").status_code == 409
    # passing without the judgement ticks: 400 naming the items
    response = center.post(f"{BASE}{app['id']}/pre-review/", {"passed": True, "opinion": "齐全"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "judgement_missing"
    assert set(response.json()["fields"]) == {"premises", "licences", "serves_smes"}
    response = center.post(f"{BASE}{app['id']}/pre-review/",
                           {"passed": True, "opinion": "齐全", "judgements": JUDGEMENTS_MET}, format="json")
    assert response.json()["state"] == "pre_reviewed"
    assert {j["key"]: j["checked"] for j in response.json()["judgements"]} == {
        "premises": True, "licences": True, "serves_smes": True}
    assert "assign-experts" in response.json()["available_actions"]
    response = center.post(f"{BASE}{app['id']}/assign-experts/", {"experts": [world["expert"].pk]}, format="json")
    assert response.status_code == 200 and response.json()["assignments"][0]["expert"] == world["expert"].pk
    assert expert.get(f"{BASE}{app['id']}/").json()["available_actions"] == ["expert-review"]
    bad = expert.post(f"{BASE}{app['id']}/expert-review/", {"score": "120", "opinion": "x"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "score_out_of_rubric"
    response = expert.post(f"{BASE}{app['id']}/expert-review/", {"score": "86.5", "opinion": "建议入选"}, format="json")
    assert response.json()["state"] == "expert_reviewed"
    assert response.json()["reviews"][0]["total"] == "86.50"
    assert provider.get(f"{BASE}{app['id']}/").json()["reviews"] == []  # scores are not shown to the applicant
    # ranked results for staff
    results = center.get(f"/api/v1/selection-rounds/{app['round']}/results/").json()
    assert results[0]["application"] == app["id"] and results[0]["average_score"] == "86.50"
    assert provider.get(f"/api/v1/selection-rounds/{app['round']}/results/").status_code == 403
    # the bureau confirms → notice; closes clear → admitted
    response = bureau.post(f"{BASE}{app['id']}/confirm/", {"opinion": "同意"}, format="json")
    assert response.json()["state"] == "under_notice" and response.json()["notice"]
    notice = NoticeItem.objects.get(notice_id=response.json()["notice"]).notice
    set_clock(notice.closes_at + timedelta(hours=1))
    notices.notices_close_expired()
    assert provider.get(f"{BASE}{app['id']}/").json()["state"] == "admitted"
    # the proposed product is a draft; evidence, submit, approve → in the public catalogue
    product = provider.get("/api/v1/products/").json()["results"][0]
    assert product["state"] == "draft" and product["price_above_basis"] is True
    assert provider.post(f"/api/v1/products/{product['id']}/submit/", {}, format="json").status_code == 400
    assert provider.post(f"/api/v1/products/{product['id']}/documents/", {"file": pdf_upload("合同.pdf")},
                         format="multipart").status_code == 201
    assert provider.post(f"/api/v1/products/{product['id']}/submit/", {}, format="json").json()["state"] == "submitted"
    assert provider.post(f"/api/v1/products/{product['id']}/approve/", {}, format="json").status_code == 403
    assert center.post(f"/api/v1/products/{product['id']}/approve/", {}, format="json").json()["state"] == "listed"
    catalogue = api_as(world["enterprise"]).get("/api/v1/catalogue/", {"q": "数字化"}).json()
    assert [p["id"] for p in catalogue["results"]] == [product["id"]]


def test_application_bad_input_is_a_400_with_fields(world, api_as):
    body = {**_body(world["provider"].organisation), "categories": ["nope"], "revenue": "abc"}
    response = api_as(world["provider"]).post(BASE, body, format="json")
    assert response.status_code == 400 and {"categories", "revenue"} <= set(response.json()["fields"])
    response = api_as(world["enterprise"]).post(BASE, _body(world["provider"].organisation), format="json")
    assert response.status_code == 403


def test_a_rejected_document_kind_is_invalid_document(world, api_as):
    provider = api_as(world["provider"])
    app = provider.post(BASE, _body(world["provider"].organisation), format="json").json()
    response = provider.post(f"{BASE}{app['id']}/documents/", {"kind": "invoice", "file": pdf_upload()},
                             format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "invalid_document"


def test_products_api_roles_and_states(world, api_as, make_user):
    user = admitted_provider()
    client = api_as(user)
    body = {"category": "legal", "title": "合同审查", "description": "审查合同条款", "deliverables": "审查意见书",
            "duration_days": 10, "price": "3000.00", "last_year_average_price": "3200.00"}
    assert api_as(world["provider"]).post("/api/v1/products/", body, format="json").json()["code"] == "not_admitted"
    assert client.post("/api/v1/products/", {**body, "price": "0"}, format="json").status_code == 400
    assert client.post("/api/v1/products/", {**body, "category": "x"}, format="json").status_code == 400
    # legal is not among the categories it was admitted for (digital empowerment)
    response = client.post("/api/v1/products/", body, format="json")
    assert response.status_code == 409 and response.json()["code"] == "category_not_admitted"
    product = client.post("/api/v1/products/", {**body, "category": "digital_empowerment"}, format="json").json()
    assert product["state"] == "draft" and product["price_above_basis"] is False
    assert product["awaiting_selection"] is True
    # a draft is invisible to others; delisting a draft is a wrong state
    assert api_as(world["enterprise"]).get(f"/api/v1/products/{product['id']}/").status_code == 404
    assert client.post(f"/api/v1/products/{product['id']}/delist/", {}, format="json").status_code == 409
    listed = ProductFactory(listed=True, provider=user.organisation)
    assert api_as(world["enterprise"]).post(f"/api/v1/products/{listed.pk}/delist/", {}, format="json").status_code == 403
    response = api_as(world["center"]).post(f"/api/v1/products/{listed.pk}/delist/", {"reason": "抽查不合格"},
                                            format="json")
    assert response.json()["state"] == "delisted" and response.json()["delist_reason"] == "抽查不合格"


def test_removals_api(world, api_as):
    product = ProductFactory(listed=True)
    center, bureau = api_as(world["center"]), api_as(world["bureau"])
    assert api_as(world["provider"]).get("/api/v1/removals/").status_code == 403
    response = center.post("/api/v1/removals/", {"provider": product.provider_id, "reason": "refuses_supervision",
                                                  "details": "拒绝提供服务台账"}, format="json")
    assert response.status_code == 201 and response.json()["available_actions"] == ["cancel"]
    removal = response.json()["id"]
    assert center.post(f"/api/v1/removals/{removal}/confirm/", {}, format="json").status_code == 403
    assert bureau.post(f"/api/v1/removals/{removal}/confirm/", {}, format="json").json()["state"] == "confirmed"
    assert center.post(f"/api/v1/removals/{removal}/announce/", {}, format="json").json()["state"] == "announced"
    assert center.post(f"/api/v1/removals/{removal}/cancel/", {"opinion": "x"}, format="json").status_code == 409
    bad = center.post("/api/v1/removals/", {"provider": product.provider_id, "reason": "bored", "details": "x"},
                      format="json")
    assert bad.status_code == 400


def test_public_lists_need_no_login(world, api_client):
    ProductFactory(listed=True)
    assert api_client.get("/api/v1/selection-rounds/").json()["count"] >= 1
    assert api_client.get("/api/v1/admitted-providers/").json()["results"][0]["listed_count"] == 1
    assert api_client.get("/api/v1/catalogue/", {"min_price": "abc"}).status_code == 400


def test_catalogue_stays_fast_with_ten_thousand_products(world, api_client, django_assert_max_num_queries):
    providers = [admitted_provider(district=d).organisation for d in ("xihu", "binjiang", "yuhang", "gongshu")]
    categories = ["digital_empowerment", "management_consulting", "legal", "finance_tax_audit", "talent"]
    Product.objects.bulk_create(
        Product(provider=providers[i % 4], category=categories[i % 5], title=f"服务产品{i}", description="标准化服务",
                deliverables="报告", duration_days=30, price=Decimal(1000 + i), last_year_average_price=Decimal(1000 + i),
                state=Product.State.LISTED, rating_count=i % 7, satisfied_count=i % 5,
                satisfaction_rate=Decimal(i % 1000) / 1000)
        for i in range(10_000))
    for params in ({"ordering": "satisfaction", "page_size": 50}, {"category": "legal", "district": "binjiang",
                                                                    "min_price": "2000", "ordering": "-price"},
                   {"q": "服务产品99", "page": 2}):
        started = time.monotonic()
        with django_assert_max_num_queries(2):
            response = api_client.get("/api/v1/catalogue/", params)
        assert response.status_code == 200
        assert time.monotonic() - started < 2.0
    assert api_client.get("/api/v1/catalogue/", {"category": "legal", "district": "binjiang"}).json()["count"] == 500


def test_pre_review_refuses_failed_hard_conditions_with_the_items(world, api_as):
    provider, center = api_as(world["provider"]), api_as(world["center"])
    body = {**_body(world["provider"].organisation), "revenue": "2999999.99", "professional_staff": 4}
    app = provider.post(BASE, body, format="json").json()
    assert {c["key"]: (c["passed"], c["hard"]) for c in app["checklist"]}["revenue"] == (False, True)
    for kind in REQUIRED_APPLICATION_DOCUMENTS:
        provider.post(f"{BASE}{app['id']}/documents/", {"kind": kind, "file": pdf_upload(f"{kind}.pdf")},
                      format="multipart")
    provider.post(f"{BASE}{app['id']}/submit/", {}, format="json")
    response = center.post(f"{BASE}{app['id']}/pre-review/",
                           {"passed": True, "opinion": "齐全", "judgements": JUDGEMENTS_MET}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "admission_conditions_unmet" and set(body["fields"]) == {"revenue", "staff"}
    assert "2,999,999.99" in body["detail"]


def test_the_schema_documents_the_admission_condition_refusal(api_client):
    schema = api_client.get("/api/v1/schema/").content.decode()
    assert "admission_conditions_unmet" in schema and "judgement_missing" in schema
