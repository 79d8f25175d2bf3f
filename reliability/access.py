"""The access-control matrix (check 6), generated from what the project serves so new endpoints are covered
without editing a list: the object-scoped API operations come from the OpenAPI schema (`/api/v1/schema/`),
the object-scoped pages from the URL conf (every pattern with an `<int:…>` parameter outside the admin).

Intruders: for every organisation-bound role a fresh organisation of the same kind that owns nothing (and a
district official of a district without data, an expert assigned to nothing). For every object-scoped path
and id, each intruder must be refused (403/404, or a redirect to the login page); a 200 is a breach unless
the path is on `PUBLIC` (objects published to everyone, with the reason); a 5xx is always a defect."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

# API paths (as in the schema) whose objects are public, each with the reason.
PUBLIC_API = {
    "/api/v1/catalogue/{id}/": "产品目录公开（第十五条：准入机构的标准化产品向社会公布）",
    "/api/v1/public-notices/{id}/": "公示向社会公开（第十一、十五条）",
    "/api/v1/policy-years/{year}/": "年度政策参数公开（额度、比例、上限）",
    "/api/v1/selection-rounds/{id}/results/": "遴选结果（准入名单）向社会公布",
    "/api/v1/removals/{id}/": "清退决定向社会公告（第十七条）",
}
# Page URL patterns (route strings) whose objects are public, each with the reason.
PUBLIC_PAGES = {
    "notices/<int:pk>/": "公示详情向社会公开",
    "providers/catalogue/<int:pk>/": "产品目录公开",
    "providers/products/<int:pk>/": "产品目录公开",
    "providers/rounds/<int:pk>/results/": "遴选结果公开",
    "providers/removals/<int:pk>/": "清退公告公开",
    "calendar/<int:year>/": "工作日历公开",
    "providers/admitted/<int:organisation_id>/": "准入服务机构名录及机构主页公开（第十五条）",
}


def _listed_product(pk: int) -> bool:
    from providers.models import Product

    return Product.objects.filter(pk=pk, state=Product.State.LISTED).exists()


def _published_batch(pk: int) -> bool:
    from vouchers.models import IssuanceBatch

    return IssuanceBatch.objects.filter(pk=pk).exclude(state=IssuanceBatch.State.DRAFT).exists()


# Paths public for some objects only: (reason, predicate(pk)). Other objects of the path stay private.
PUBLIC_WHEN = {
    "/api/v1/batches/{id}/": ("已发布的发放批次向所有企业、园区公布（先用先得，第四条）", _published_batch),
    "vouchers/batches/<int:pk>/": ("已发布的发放批次公开", _published_batch),
    "vouchers/batches/<int:pk>/live/": ("已发布批次的实时剩余数量公开（先用先得）；草稿批次仅市经信局可见", _published_batch),
    "/api/v1/products/{id}/": ("已上架产品在公开目录中；草稿、待审、已下架产品仅本机构和工作人员可见", _listed_product),
    "providers/products/<int:pk>/": ("已上架产品在公开目录中", _listed_product),
}
ORG_ROLES = ("enterprise", "park", "provider", "district", "expert")
REFUSED = {401, 403, 404}


@dataclass
class MatrixResult:
    requests: int = 0
    refused: int = 0
    breaches: list = field(default_factory=list)  # (who, method, url, status)
    errors: list = field(default_factory=list)  # 5xx


def schema_paths(client) -> dict[str, list[str]]:
    """{path template: [methods]} of the object-scoped operations of the live schema."""
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = json.loads(response.content)
    return {path: [m for m in ops if m in ("get", "post", "patch", "put", "delete")]
            for path, ops in schema["paths"].items() if "{" in path}


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("admin", "api/", "^admin")):
                continue
            yield from _walk(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route


def page_routes() -> list[str]:
    """Every page route with an int parameter, e.g. 'vouchers/orders/<int:pk>/'."""
    return sorted({route for route in _walk(get_resolver().url_patterns)
                   if "<int:" in route and not route.startswith("^")})


def is_public(template: str, pk: int) -> bool:
    if template in PUBLIC_API or template in PUBLIC_PAGES:
        return True
    reason_predicate = PUBLIC_WHEN.get(template)
    return bool(reason_predicate and reason_predicate[1](pk))


def detail_of(template: str) -> str:
    """'/api/v1/batches/{id}/claim/' → '/api/v1/batches/{id}/' (the object the action is on)."""
    match = re.match(r"^(.*?\{[^}]+\}/)", template)
    return match.group(1) if match else template


def fill(template: str, value: int) -> str:
    """Put `value` in every parameter of an API path template or a page route."""
    text = re.sub(r"\{[^}]+\}", str(value), template)
    text = re.sub(r"<(?:int:)?[^>]+>", str(value), text)
    return text if text.startswith("/") else "/" + text


def make_intruders() -> dict[str, object]:
    """One user per organisation-bound role, of a fresh organisation of the same kind that owns nothing."""
    from hangqifu.accounts.models import Organisation
    from hangqifu.accounts.roles import Role
    from hangqifu.accounts.tests.factories import OrganisationFactory, UserFactory

    kinds = {"enterprise": Organisation.Kind.ENTERPRISE, "park": Organisation.Kind.PARK,
             "provider": Organisation.Kind.PROVIDER, "district": Organisation.Kind.DISTRICT,
             "expert": Organisation.Kind.AGENCY}
    intruders = {}
    for role in ORG_ROLES:
        extra = {"credit_code": None} if role == "district" else {}
        organisation = OrganisationFactory(kind=kinds[role], district="chunan", name=f"越权测试{role}单位", **extra)
        intruders[role] = UserFactory(role=Role(role), organisation=organisation, username=f"intruder-{role}")
    return intruders


def classify(result: MatrixResult, who: str, method: str, url: str, response, *, public: bool) -> None:
    result.requests += 1
    status = response.status_code
    if status >= 500:
        result.errors.append((who, method, url, status))
    elif status in REFUSED or (status == 302 and "/accounts/login" in response.get("Location", "")):
        result.refused += 1
    elif public and method == "GET" and status == 200:
        result.refused += 1  # published object: reading it is what the public may do
    elif public and method != "GET" and 400 <= status < 500:
        result.refused += 1  # refused by a rule on an object everyone may see (e.g. claiming without a quota)
    elif 200 <= status < 300 or status in (301, 302):
        result.breaches.append((who, method, url, status))
    else:  # 400/405/409/422 — refused before reaching anything, but not the contract's 403/404
        result.breaches.append((who, method, url, status))


# --- request bodies from the schema (so a refusal is about permission, not a missing field) -------------

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in node:
        merged = {}
        for part in node["allOf"]:
            merged.update(_resolve(schema, part))
        return merged
    return node


def sample_value(schema: dict, node: dict, name: str = ""):
    node = _resolve(schema, node)
    if "oneOf" in node or "anyOf" in node:
        return sample_value(schema, (node.get("oneOf") or node.get("anyOf"))[0], name)
    if "enum" in node:
        return next((v for v in node["enum"] if v not in ("", None)), node["enum"][0])
    kind, fmt = node.get("type"), node.get("format", "")
    if kind == "object" or "properties" in node:
        return {key: sample_value(schema, sub, key) for key, sub in node.get("properties", {}).items()
                if key in node.get("required", []) or not sub.get("readOnly")}
    if kind == "array":
        return [sample_value(schema, node.get("items", {}), name)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if fmt == "binary":
        from django.core.files.uploadedfile import SimpleUploadedFile

        return SimpleUploadedFile("材料.pdf", PDF, content_type="application/pdf")
    if fmt == "date":
        return "2026-06-01"
    if fmt == "date-time":
        return "2026-06-01T09:00:00+08:00"
    if fmt == "decimal" or node.get("pattern", "").startswith("^-?\\d"):
        return "100.00"
    return "越权测试意见"


def request_for(schema: dict, path: str, method: str) -> tuple[dict | None, str]:
    """(body, content kind) for an operation: 'json' or 'multipart'."""
    operation = schema["paths"][path][method]
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return None, "json"
    kind = "json" if "application/json" in content else "multipart"
    media = content.get("application/json") or content.get("multipart/form-data") or next(iter(content.values()))
    return sample_value(schema, media["schema"]), kind


def state_digest() -> tuple:
    """Every workflow object's state and the size of every money/paper table: equal before and after an
    intruder's POSTs means nothing changed."""
    from django.apps import apps

    states, counts = [], []
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        if "state" in names:
            states.append((model._meta.label, tuple(model.objects.order_by("pk").values_list("pk", "state"))))
        if model._meta.label in ("vouchers.LedgerEntry", "vouchers.Deduction", "vouchers.Voucher",
                                 "documents.Document", "redemption.ClaimLine", "notices.Objection",
                                 "vouchers.IssuanceBatch", "redemption.DistrictPayment"):
            counts.append((model._meta.label, model.objects.count()))
    return tuple(states), tuple(counts)
