"""Query counts of the pages and lists that grow with the programme (each bounded whatever the data size): the public catalogue,
an enterprise's orders, the staff review queue of registration applications and the bureau dashboard.

Each is requested twice — with a few rows and with several times as many — and must send the SAME number of
queries both times, at most 15: a query per row (an N+1) fails here long before 10,000 products or 1,000 orders
make it slow. bench/pages.py measures the same pages at full size (server time over 200 requests)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hangqifu.accounts.models import Organisation
from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import OrganisationFactory
from hangqifu.core import clock
from providers.tests.factories import ProductFactory
from registration.models import RegistrationApplication
from registration.tests.factories import make_registration
from supervision.tests.insight_factories import buyer_org, deducted_order, order, provider_org
from vouchers.models import Order

pytestmark = pytest.mark.django_db
MAX_QUERIES = 15
FEW, MANY = 2, 12


@pytest.fixture(autouse=True)
def june(set_clock):
    return set_clock("2026-06-01T09:00:00+08:00")


def queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def assert_bounded(counts: list[int]) -> None:
    few, many = counts
    assert few == many, f"queries grow with the rows: {few} with {FEW} rows, {many} with {MANY}"
    assert many <= MAX_QUERIES, f"{many} queries (at most {MAX_QUERIES})"


# --- catalogue (public) ------------------------------------------------------------------------------------

def _listed_products(count: int) -> None:
    # a different admitted provider for every product: provider data on a row must not cost a query per row
    for _ in range(count):
        ProductFactory(listed=True)


@pytest.mark.parametrize("url", ["/providers/catalogue/", "/api/v1/catalogue/"])
def test_the_catalogue_sends_the_same_queries_for_few_and_many_products(client, url):
    counts = []
    for total in (FEW, MANY):
        # given: `total` listed products of admitted providers
        _listed_products(total - (FEW if counts else 0))
        # when: anyone opens the catalogue
        counts.append(queries(client, url))
    # then
    assert_bounded(counts)


def test_a_catalogue_search_sends_the_same_queries_for_few_and_many_products(client):
    counts = []
    for total in (FEW, MANY):
        _listed_products(total - (FEW if counts else 0))
        counts.append(queries(client, "/api/v1/catalogue/", category="digital_empowerment", q="服务"))
    assert_bounded(counts)


# --- an enterprise's orders ----------------------------------------------------------------------------------

def _orders_of(buyer: Organisation, count: int) -> None:
    """Orders in every state, each with another provider; a third of them deducted (deduction + voucher)."""
    states = [Order.State.SIGNED, Order.State.COMPLETED, Order.State.RATED]
    for index in range(count):
        provider = provider_org()
        if index % 3 == 2:
            deducted_order(provider, amount="4000.00", deduction="1000.00", buyer=buyer)
        else:
            state = states[index % 3]
            order(buyer, provider, amount="4000.00", state=state,
                  completed_at=clock.now() - timedelta(days=1) if state != Order.State.SIGNED else None,
                  rated_at=clock.now() if state == Order.State.RATED else None,
                  satisfaction="satisfied" if state == Order.State.RATED else "")


@pytest.mark.parametrize("url", ["/vouchers/orders/", "/api/v1/orders/"])
def test_an_enterprises_orders_send_the_same_queries_for_few_and_many(client, make_user, url):
    buyer = make_user(role=Role.ENTERPRISE)
    client.force_login(buyer)
    counts = []
    for total in (FEW, MANY):
        # given: the enterprise has `total` orders
        _orders_of(buyer.organisation, total - (FEW if counts else 0))
        # when: it lists them
        counts.append(queries(client, url))
    # then
    assert Order.objects.filter(buyer=buyer.organisation).count() == MANY
    assert_bounded(counts)


# --- the staff review queue ----------------------------------------------------------------------------------

def _submitted_applications(template: RegistrationApplication, count: int) -> None:
    """Copies of one submitted application (built through the services), each of another enterprise."""
    for _ in range(count):
        organisation = OrganisationFactory(kind=Organisation.Kind.ENTERPRISE)
        copy = RegistrationApplication.objects.get(pk=template.pk)
        copy.pk = None
        copy.organisation = organisation
        copy.name = organisation.name
        copy.credit_code = organisation.credit_code
        copy.save()


@pytest.fixture
def review_queue(make_user):
    applicant = make_user(role=Role.ENTERPRISE)
    first = make_registration(applicant, state="submitted")

    def grow(total: int) -> None:
        _submitted_applications(first, total - RegistrationApplication.objects.filter(state="submitted").count())

    return grow


@pytest.mark.parametrize("url, params", [
    ("/admin/registration/registrationapplication/", {"state__exact": "submitted"}),
    ("/api/v1/registrations/", {"state": "submitted"}),
])
def test_the_staff_review_queue_sends_the_same_queries_for_few_and_many(client, make_user, review_queue, url,
                                                                        params):
    client.force_login(make_user(role=Role.SERVICE_CENTER))
    counts = []
    for total in (FEW, MANY):
        # given: `total` applications wait for pre-review
        review_queue(total)
        # when: the service center opens its queue
        counts.append(queries(client, url, **params))
    # then
    assert RegistrationApplication.objects.filter(state="submitted").count() == MANY
    assert_bounded(counts)


def test_the_review_queue_rows_keep_the_queues_filters_and_django_s_checkbox(client, make_user, review_queue):
    """The queue builds its row links once per page and its checkbox without a widget template (speed): each row
    still links to the application with the queue's filters kept, and its checkbox is Django's, byte for byte."""
    from django.contrib import admin

    review_queue(FEW)
    client.force_login(make_user(role=Role.SERVICE_CENTER))
    html = client.get("/admin/registration/registrationapplication/", {"state__exact": "submitted", "q": "有限 公司"}
                      ).content.decode()
    model_admin = admin.site._registry[RegistrationApplication]
    rows = RegistrationApplication.objects.filter(state="submitted")
    assert rows.count() == FEW
    for registration in rows:
        link = (f'href="/admin/registration/registrationapplication/{registration.pk}/change/'
                f'?_changelist_filters=state__exact%3Dsubmitted%26q%3D%25E6%259C%2589%25E9%2599%2590%2B%25E5%2585%25AC%25E5%258F%25B8"')
        assert html.count(link) == 2, registration.pk  # the id and the name
        assert str(admin.ModelAdmin.action_checkbox(model_admin, registration)) in html


# --- the bureau dashboard ------------------------------------------------------------------------------------

def test_the_bureau_dashboard_sends_the_same_queries_for_little_and_much_activity(client, make_user):
    client.force_login(make_user(role=Role.BUREAU))
    counts = []
    for total in (FEW, MANY):
        # given: `total` deducted orders of different providers and buyers, and as many plain orders
        for _ in range(total - (FEW if counts else 0)):
            deducted_order(provider_org(), amount="2000.00", deduction=str(Decimal("1000.00")))
            order(buyer_org(), provider_org(), amount="3000.00")
        # when: the bureau opens the dashboard over the year
        counts.append(queries(client, "/audit/dashboard/", start="2026-01-01", end="2026-06-01"))
    # then
    assert_bounded(counts)


# --- each role's home (工作台) ----------------------------------------------------------------------------------

HOME_MAX_QUERIES = 25  # session, user, unread notices, then each card and each pending line: one or two each


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.PROVIDER, Role.SERVICE_CENTER])
def test_each_roles_home_sends_the_same_queries_for_few_and_many(client, make_user, review_queue, role):
    from redemption.tests.factories import approved_claim

    user = make_user(role=role)
    client.force_login(user)
    counts = []
    for total in (FEW, MANY):
        grow = total - (FEW if counts else 0)
        # given: `total` orders of the enterprise, deducted orders and claims of the provider, applications
        # waiting for the service center
        if role == Role.ENTERPRISE:
            _orders_of(user.organisation, grow)
        elif role == Role.PROVIDER:
            for _ in range(grow):
                order(buyer_org(), user.organisation, amount="3000.00")
                deducted_order(user.organisation, amount="2000.00", deduction="1000.00")
            approved_claim(user, [deducted_order(user.organisation, amount="2000.00", deduction="1000.00")],
                           center=make_user(role=Role.SERVICE_CENTER), bureau=make_user(role=Role.BUREAU))
        else:
            review_queue(total)
        # when: the user opens its home
        counts.append(queries(client, "/home/"))
    # then
    few, many = counts
    assert few == many, f"queries grow with the rows: {few} with {FEW} rows, {many} with {MANY}"
    assert many <= HOME_MAX_QUERIES, f"{many} queries (at most {HOME_MAX_QUERIES})"
