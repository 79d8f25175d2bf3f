"""Check 6: the access-control matrix, generated from the OpenAPI schema and the URL conf (reliability/access.py),
so a new object-scoped endpoint or page is covered the day it is added.

Given the demo data (`seed_demo`) and, for every organisation-bound role, an intruder of a fresh organisation
of the same kind (a district official of a district without data, an expert assigned to nothing):
- every object-scoped API GET and page with an id answers the intruders 403/404 (pages may send them to the
  login page), never 200 — except objects published to everyone (`access.PUBLIC_API` / `PUBLIC_PAGES`,
  each with its reason) — and never 5xx;
- every object-scoped POST transition, sent with a body that satisfies the schema, answers 403/404 (or, where
  the body is checked before the object is looked up, exactly what it answers for an id that does not exist),
  and no workflow state, ledger entry, voucher, document or objection changes."""
import json

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from reliability import access
from reliability.figures import record, scale

pytestmark = pytest.mark.django_db
IDS = range(1, scale("access_ids", 5) + 1)
MISSING_ID = 987654


@pytest.fixture
def seeded(set_clock):
    set_clock("2026-06-01T09:00:00+08:00")
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    _private_objects()
    return access.make_intruders()


def _private_objects():
    """Objects that are nobody's business but their owner's, next to the demo's published ones: a draft
    product of the demo provider (the catalogue shows listed products only)."""
    from hangqifu.accounts.models import User
    from providers.models import Product

    provider = User.objects.get(username="demo-provider").organisation
    Product.objects.create(provider=provider, category="legal", title="未上架的草稿产品", description="草稿",
                           deliverables="报告", duration_days=10, price="1000.00", last_year_average_price="1000.00")


def _api(user):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def _report(result: access.MatrixResult, name: str):
    record("access_matrix", tried=result.requests, held=result.refused,
           detail=f"{name}: {result.requests} requests, {len(result.breaches)} not refused, "
                  f"{len(result.errors)} server errors"
                  + (f" — e.g. {(result.breaches + result.errors)[:3]}" if result.breaches or result.errors else ""))


def _summary(rows):
    """Distinct (method, path with the id replaced by N, status) of the offending requests."""
    import re

    return sorted({(method, re.sub(r"/\d+/", "/N/", url), status) for _, method, url, status in rows})


def test_intruders_cannot_read_any_object_through_the_api(seeded):
    paths = access.schema_paths(Client())
    assert len(paths) >= 40  # the schema really was parsed
    result = access.MatrixResult()
    for role, user in seeded.items():
        client = _api(user)
        for path, methods in paths.items():
            if "get" not in methods:
                continue
            for pk in IDS:
                url = access.fill(path, pk if "{year}" not in path else 2026)
                access.classify(result, role, "GET", url, client.get(url), public=access.is_public(path, pk))
    _report(result, "API GET")
    assert result.errors == [], _summary(result.errors)
    assert result.breaches == [], _summary(result.breaches)


def test_intruders_cannot_open_any_object_page(seeded):
    routes = [r for r in access.page_routes() if "<str:" not in r and "<slug:" not in r]
    assert len(routes) >= 20
    result = access.MatrixResult()
    for role, user in seeded.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for route in routes:
            for pk in IDS:
                response = client.get(access.fill(route, pk))
                if response.status_code == 405:  # a POST-only action: nothing to read
                    result.requests += 1
                    result.refused += 1
                    continue
                access.classify(result, role, "GET", access.fill(route, pk), response,
                                public=access.is_public(route, pk))
    _report(result, "pages GET")
    assert result.errors == [], _summary(result.errors)
    assert result.breaches == [], _summary(result.breaches)


def test_intruders_cannot_move_any_object(seeded):
    schema = json.loads(Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    operations = [(path, method) for path, ops in schema["paths"].items() if "{" in path
                  for method in ("post", "patch") if method in ops]
    before = access.state_digest()
    result = access.MatrixResult()
    for role, user in seeded.items():
        client = _api(user)
        for path, method in operations:
            body, kind = access.request_for(schema, path, method)
            send = getattr(client, method)

            def call(pk):
                url = access.fill(path, pk if "{year}" not in path else 2026)
                fresh = access.request_for(schema, path, method)[0] if kind == "multipart" else body
                return url, send(url, fresh or {}, format="json" if kind == "json" else "multipart")

            baseline = call(MISSING_ID)[1].status_code
            for pk in IDS:
                url, response = call(pk)
                if response.status_code == baseline and baseline in (400, 415):
                    # the body is validated before the object is looked up: no state reached, no existence leak
                    result.requests += 1
                    result.refused += 1
                    continue
                access.classify(result, role, method.upper(), url, response,
                                public=access.is_public(access.detail_of(path), pk))
    _report(result, "POST/PATCH transitions")
    assert access.state_digest() == before
    assert result.errors == [], _summary(result.errors)
    assert result.breaches == [], _summary(result.breaches)
