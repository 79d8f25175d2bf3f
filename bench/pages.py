"""Benchmark 5 — pages and lists at full size: the public catalogue with 10,000 listed products (500 admitted
providers), an enterprise's 1,000 orders, the staff review queue with 10,000 submitted applications and the
bureau dashboard over a year of activity (20,000 orders, 10,000 deductions), served as the bureau sees it (figures
computed at most once a minute) and recomputed on every request (`refresh=1`: the closed months from the nightly
rollup, run once after the seed as the night before would have, the open month live). Each page: the number of
queries of one request, then p95 server time over 200 requests through Django's handler in this process
(bench settings: DEBUG off, PostgreSQL, Redis cache), first 5 requests discarded as warm-up.

Targets, the same on a fast or a slow machine: each page's p95 ≤ 8 × the floor page's p95 measured in the same run
(bench/urls.py: the portal's middleware, a signed-in session, the base layout and one query — the cheapest page
a signed-in user can get), and ≤ 15 queries. Each page request is followed by a floor request, so the two p95s
compared were taken under the same load.

For profiling: BENCH_PAGES=review_queue_admin,bureau_dashboard measures only those pages, BENCH_PAGES_DB names
the database (default hq_bench_pages) and BENCH_KEEP_DB=1 keeps it afterwards (to EXPLAIN the real queries)."""
import os
import time

from . import seed
from .lib import DB_PREFIX, drop_db, figure, log, percentile, scale, seed_database, setup_django, write_fragment

DB = os.environ.get("BENCH_PAGES_DB", f"{DB_PREFIX}_pages")
ONLY_PAGES = [name for name in os.environ.get("BENCH_PAGES", "").split(",") if name]
KEEP_DB = os.environ.get("BENCH_KEEP_DB") == "1"
PRODUCTS = scale(10_000, 1_000)
PROVIDERS = 500
ORDERS_OF_ONE = scale(1_000, 100)
APPLICATIONS = scale(10_000, 1_000)
ACTIVITY = scale(20_000, 2_000)
REQUESTS = int(scale(200, 50))
PAGE_SECONDS = 20
FLOOR_MULTIPLE = 8
FLOOR_URL = "/bench/floor/"
MAX_QUERIES = 15
PBASE = 2_000_000


def seed_sql(year: int) -> str:
    b, p, d = seed.BASE, PBASE, seed.DISTRICTS
    cats = ["digital_empowerment", "management_consulting", "financing_support", "technology_innovation",
            "intellectual_property", "talent", "legal", "insurance", "finance_tax_audit", "other"]
    n, one = ACTIVITY, ORDERS_OF_ONE
    buyer = f"CASE WHEN i <= {one} THEN {b} + 1 ELSE {b} + 2 + (i % ({APPLICATIONS} - 1)) END"
    # the one enterprise's orders: every 50th deducted (20 × 1,000 = its 20,000 quota), the rest in the earlier states
    state = (f"(CASE WHEN i <= {one} AND i % 50 <> 0 THEN (ARRAY['signed', 'completed', 'rated'])[1 + i % 3] "
             f"WHEN i <= {one} THEN 'deducted' "
             f"ELSE (ARRAY['signed', 'completed', 'rated', 'deducted', 'deducted', 'deducted'])[1 + i % 6] END)")
    day = f"(make_date({year}, 1, 1) + ((i * 7) % 330) * interval '1 day' + interval '9 hours')"
    return f"""
SET session_replication_role = replica;  -- bulk load: skip FK triggers (rows are generated consistent)
{seed.buyers_sql(APPLICATIONS, year=year, quota='20000.00', with_tokens=False, prefix='bench-g')}
{seed.fund_batch_sql(year=year, total='100000000.00', slots=n)}
{seed.providers_sql(PROVIDERS, base=p, prefix='bench-gp')}
INSERT INTO providers_selectionround (id, year, title, announcement, opens_at, closes_at, created_at)
  VALUES ({p}, {year}, '{year} 年压测遴选批次', '', now() - interval '300 days', now() - interval '270 days', now());
INSERT INTO providers_providerapplication (id, name, credit_code, established_on, district, revenue, professional_staff,
    cases_last_year, categories, state, pre_review_opinion, decision_opinion, admitted_at, created_at, updated_at,
    applicant_id, organisation_id, round_id)
  SELECT {p} + i, '压测服务机构' || lpad(i::text, 4, '0'), 'BENCH' || lpad(i::text, 13, '0'), '2015-01-01',
         (ARRAY{d})[1 + i % 13], 5000000, 10, 5, '{str(cats).replace("'", '"')}', 'admitted', '', '', now(), now(),
         now(), {p} + i, {p} + i, {p}
  FROM generate_series(1, {PROVIDERS}) i;
INSERT INTO providers_providerprofile (id, state, district, categories, admitted_at, application_id, organisation_id,
    round_id)
  SELECT {p} + i, 'admitted', (ARRAY{d})[1 + i % 13], '{str(cats).replace("'", '"')}', now() - interval '200 days',
         {p} + i, {p} + i, {p}
  FROM generate_series(1, {PROVIDERS}) i;
INSERT INTO providers_product (id, category, title, description, deliverables, duration_days, price,
    last_year_average_price, state, review_opinion, delist_reason, listed_at, order_count, rating_count,
    satisfied_count, dissatisfied_count, satisfaction_rate, created_at, provider_id, selection_opinion,
    selection_reviewer)
  SELECT i, (ARRAY{cats})[1 + i % 10], '标准化服务产品 ' || i, '面向中小企业的标准化服务内容 ' || i, '交付成果',
         30, 1000 + (i % 50) * 500, 1000 + (i % 50) * 500, 'listed', '', '', now() - (i % 300) * interval '1 day',
         i % 40, i % 20, (i % 20) * 3 / 4, (i % 20) / 8,
         CASE WHEN i % 20 > 0 THEN round(((i % 20) * 3 / 4)::numeric / (i % 20), 3) END,
         now(), {p} + 1 + i % {PROVIDERS}, '', ''
  FROM generate_series(1, {PRODUCTS}) i;
INSERT INTO vouchers_order (id, year, category, product_title, product_price, amount, buyer_size_class, state, signed_at,
    completed_at, completion_note, satisfaction, rating_comment, rated_at, deducted_at, cancel_reason, created_at,
    buyer_id, buyer_user_id, product_id, provider_id)
  SELECT i, {year}, (ARRAY{cats})[1 + (1 + i % {PRODUCTS}) % 10], '标准化服务产品', 4000, 4000, 'small',
         {state}, {day}, {day}, '',
         CASE WHEN {state} IN ('rated', 'deducted') THEN (ARRAY['satisfied', 'basically_satisfied', 'dissatisfied'])[1 + i % 3]
              ELSE '' END,
         '', {day}, CASE WHEN {state} = 'deducted' THEN {day} END, '', {day}, {buyer}, {buyer}, 1 + i % {PRODUCTS},
         {p} + 1 + (1 + i % {PRODUCTS}) % {PROVIDERS}
  FROM generate_series(1, {n}) i;
INSERT INTO vouchers_voucher (id, year, category, face_value, balance, expires_on, state, claimed_at, ended_at,
    end_reason, batch_id, claimed_by_id, organisation_id, qualification_id, voucher_type_id)
  SELECT i, {year}, o.category, 1000, 0, '{year}-12-31', 'used_up', o.signed_at, NULL, '', {b}, o.buyer_id, o.buyer_id,
         o.buyer_id, {b}
  FROM vouchers_order o, LATERAL (SELECT o.id AS i) x WHERE o.state = 'deducted';
INSERT INTO vouchers_deduction (id, year, amount, order_amount, ratio, declares_no_other_subsidy, created_at,
    created_by_id, organisation_id, qualification_id, fund_id, order_id, voucher_id)
  SELECT o.id, {year}, 1000, 4000, 0.5, true, o.deducted_at, o.buyer_id, o.buyer_id, o.buyer_id,
         (SELECT id FROM vouchers_fund WHERE year = {year}), o.id, o.id
  FROM vouchers_order o WHERE o.state = 'deducted';
UPDATE vouchers_fund SET deducted = (SELECT sum(amount) FROM vouchers_deduction) WHERE year = {year};
{seed.provider_service_years_sql(year)}
UPDATE vouchers_qualification q SET used = s.total FROM (SELECT qualification_id, sum(amount) AS total
  FROM vouchers_deduction GROUP BY 1) s WHERE q.id = s.qualification_id;
INSERT INTO vouchers_registrationapplication (id, year, purpose, state, kind, name, credit_code, established_on,
    industry, sector, employees, revenue, total_assets, district, honours, honour_evidence, independent_legal_person,
    contact_name, contact_phone, wizard_step, size_class, claimed_tier, checklist, checklist_overrides,
    pre_review_opinion, decision_opinion, confirmed_honours, review_due_on, created_at, updated_at, submitted_at,
    created_by_id, organisation_id)
  SELECT {b} + i, {year}, 'registration', 'submitted', 'enterprise', '压测企业' || i, 'BENCHR' || lpad(i::text, 12, '0'),
         '2019-05-01', 'software_it', 'digital_economy', 50, 8000000, 5000000, (ARRAY{d})[1 + i % 13], '[]', '{{}}',
         true, '联系人', '13800000000', 4, 'small', 'default', '{{}}', '{{}}', '', '', '[]',
         current_date + 10 + i % 20, now() - (i % 30) * interval '1 day', now(), now() - (i % 30) * interval '1 day',
         {b} + i, {b} + i
  FROM generate_series(1, {APPLICATIONS}) i;
SET session_replication_role = DEFAULT;
{seed.fix_sequences_sql(['accounts_organisation', 'accounts_user', 'vouchers_qualification', 'vouchers_issuancebatch',
                         'vouchers_vouchertype', 'providers_product', 'vouchers_order', 'vouchers_voucher',
                         'vouchers_deduction', 'vouchers_registrationapplication', 'providers_providerapplication',
                         'providers_providerprofile', 'providers_selectionround'])}
VACUUM ANALYZE;
"""


def _timed_get(client, url: str, params: dict):
    started = time.perf_counter()
    response = client.get(url, params)
    return (time.perf_counter() - started) * 1000, response


def measure(client, url: str, params: dict, floor_client=None) -> dict:
    """The page's queries, then its p95 over REQUESTS requests; with `floor_client`, each page request is
    followed by one request of the floor page, so both series see the same machine (a shared machine's load
    changes within seconds) and the ratio of their p95s is the page's cost, whatever the load."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params)  # warm: template loading, content types, the session's user
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    queries = len(captured)  # now: the next request resets the connection's query log
    status = response.status_code
    times, floor_times = [], []
    deadline = time.time() + PAGE_SECONDS * (2 if floor_client else 1)
    for index in range(REQUESTS + 5):
        if time.time() > deadline:  # a page far over its target: the requests so far say enough
            break
        elapsed, response = _timed_get(client, url, params)
        if index >= 5:
            times.append(elapsed)
        if response.status_code != 200:
            status = response.status_code
        if floor_client is not None:
            floor_ms, floor_response = _timed_get(floor_client, FLOOR_URL, {})
            if index >= 5:
                floor_times.append(floor_ms)
            if floor_response.status_code != 200:
                status = floor_response.status_code
    found = {"queries": queries, "status": status, "requests_timed": len(times),
             "p50_ms": round(percentile(times, 50), 2), "p95_ms": round(percentile(times, 95), 2),
             "max_ms": round(max(times), 2), "bytes": len(response.content), "profile": ""}
    if floor_client is not None:
        found["floor_p95_ms"] = round(percentile(floor_times, 95), 2)
        found["floor_p50_ms"] = round(percentile(floor_times, 50), 2)
        found["p95_vs_floor"] = round(found["p95_ms"] / found["floor_p95_ms"], 3) if found["floor_p95_ms"] else None
        if found["p95_vs_floor"] is None or found["p95_vs_floor"] > FLOOR_MULTIPLE:
            found["profile"] = _profile(client, url, params)
    return found


def _profile(client, url: str, params: dict) -> str:
    """Over target: where one request spends its time."""
    try:
        from pyinstrument import Profiler
    except ImportError:  # a dev tool, not in requirements-dev.txt: the figures do not depend on it
        return "(no profile: pyinstrument is not installed)"
    profiler = Profiler(interval=0.0005)
    profiler.start()
    client.get(url, params)
    profiler.stop()
    return profiler.output_text(unicode=True, color=False, show_all=False)[:4000]


def main() -> None:
    year = seed.current_year()
    seed_database(DB, seed_sql(year), f"{PRODUCTS} products, {ACTIVITY} orders, {APPLICATIONS} applications")
    setup_django(DB, conn_max_age=600)
    from django.test import Client

    from hangqifu.accounts.models import User
    from hangqifu.accounts.services import user_create

    from supervision.dashboard_rollup import dashboard_rollup

    rolled = dashboard_rollup()  # last night's run: the closed months of the seeded year
    log(f"pages: dashboard rollup of {len(rolled['computed'])} closed months")
    staff = {role: user_create(username=f"bench-{role}", password="Bench-password-2026", role=role)
             for role in ("service_center", "bureau")}
    enterprise = User.objects.get(pk=seed.BASE + 1)
    anonymous, buyer, center, bureau = Client(), Client(), Client(), Client()
    buyer.force_login(enterprise)
    for client, user in ((center, staff["service_center"]), (bureau, staff["bureau"])):
        _signed_in_with_second_factor(client, user)
    pages = [
        ("catalogue", "/providers/catalogue/", anonymous, {}),
        ("catalogue_api", "/api/v1/catalogue/", anonymous, {}),
        ("catalogue_search_api", "/api/v1/catalogue/", anonymous, {"category": "legal", "q": "服务"}),
        ("enterprise_orders", "/vouchers/orders/", buyer, {}),
        ("enterprise_orders_api", "/api/v1/orders/", buyer, {}),
        ("review_queue_admin", "/admin/registration/registrationapplication/", center, {"state__exact": "submitted"}),
        ("review_queue_api", "/api/v1/registrations/", center, {"state": "submitted"}),
        ("bureau_dashboard", "/audit/dashboard/", bureau, {"start": f"{year}-01-01", "end": f"{year}-12-31"}),
        # the same page recomputing its figures on every request (立即刷新), i.e. without the 60 s cache
        ("bureau_dashboard_recompute", "/audit/dashboard/", bureau,
         {"start": f"{year}-01-01", "end": f"{year}-12-31", "refresh": "1"}),
    ]
    if ONLY_PAGES:
        pages = [page for page in pages if page[0] in ONLY_PAGES]
    floor = measure(bureau, FLOOR_URL, {})
    log(f"pages: floor {({k: v for k, v in floor.items() if k != 'profile'})}")
    results, figures = {}, []
    for name, url, client, params in pages:
        result = measure(client, url, params, floor_client=bureau)
        results[name] = {"url": url, "params": params, **result}
        log(f"pages: {name} {({k: v for k, v in result.items() if k != 'profile'})}")
    figures += [
        figure("pages.floor.p95", floor["p95_ms"], "ms", "information: the floor page alone", None),
        figure("pages.floor.queries", floor["queries"], "queries",
               "information: session, user, the layout's and the view's one", floor["status"] == 200),
    ]
    for name, result in results.items():
        ok = result["status"] == 200
        ratio = result["p95_vs_floor"]
        figures.append(figure(f"pages.{name}.queries", result["queries"], "queries", f"≤ {MAX_QUERIES}",
                              ok and result["queries"] <= MAX_QUERIES))
        figures.append(figure(f"pages.{name}.p95", result["p95_ms"], "ms",
                              f"information ({result['requests_timed']} requests; the floor's p95 between them "
                              f"{result['floor_p95_ms']} ms)", None))
        figures.append(figure(f"pages.{name}.p95_vs_floor", ratio, "ratio",
                              f"≤ {FLOOR_MULTIPLE} × the floor page's p95, requests interleaved, same run",
                              ok and ratio is not None and ratio <= FLOOR_MULTIPLE))
    results["floor"] = {"url": FLOOR_URL, **floor}
    write_fragment("pages", figures, {"products": PRODUCTS, "providers": PROVIDERS, "orders_of_one": ORDERS_OF_ONE,
                                      "applications": APPLICATIONS, "activity_orders": ACTIVITY,
                                      "requests": REQUESTS, "pages": results})
    from django.db import connection

    connection.close()
    if KEEP_DB:
        log(f"pages: database {DB} kept (BENCH_KEEP_DB=1)")
    else:
        drop_db(DB)



def _signed_in_with_second_factor(client, user) -> None:
    """A staff session as the sign-in pages leave it: password and the authenticator's code done."""
    import time

    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from hangqifu.accounts.middleware import LAST_SEEN_SESSION_KEY

    device = TOTPDevice.objects.create(user=user, name="动态口令", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[LAST_SEEN_SESSION_KEY] = int(time.time())
    session.save()


if __name__ == "__main__":
    main()
