"""While the database is away (a restart, crash recovery — reliability/check_pg_restart.py does it for real on a
private cluster) a request answers 503 with Retry-After: the API's error format under /api/, a short Chinese
page elsewhere — not a 500 traceback. A deadlock is not an outage and stays a 500 (the concurrency checks count
those)."""
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


class ConnectionLost(Exception):
    pgcode = None  # as psycopg reports "server closed the connection unexpectedly" / "connection refused"


class Deadlock(Exception):
    pgcode = "40P01"


@contextmanager
def database_fails_with(cause):
    def fail(execute, sql, params, many, context):
        raise OperationalError(str(cause)) from cause

    with connection.execute_wrapper(fail):
        yield


@pytest.fixture
def enterprise(make_user):
    from hangqifu.accounts.roles import Role

    return make_user(role=Role.ENTERPRISE)


def _api_get_failing(api_as, user, cause):
    client = api_as(user)
    client.raise_request_exception = False
    with database_fails_with(cause):
        return client.get("/api/v1/vouchers/")


def test_an_api_request_while_the_database_is_down_answers_503_in_the_api_format(api_as, enterprise):
    response = _api_get_failing(api_as, enterprise, ConnectionLost("server closed the connection unexpectedly"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "service_unavailable" and "数据库暂时不可用" in body["detail"] and body["fields"] == {}


def test_a_page_while_the_database_is_down_answers_503_with_a_chinese_message(client, enterprise):
    client.force_login(enterprise)
    client.raise_request_exception = False
    with database_fails_with(ConnectionLost("could not connect to server: Connection refused")):
        response = client.get("/vouchers/qualification/")
    assert response.status_code == 503
    assert "数据库暂时不可用" in response.content.decode()


@pytest.mark.parametrize("path", ["/no-such-page/", "/api/v1/no-such-endpoint/"])
def test_a_missing_page_while_the_database_is_down_answers_503_not_500(client, enterprise, path):
    # the 404 page's context processors read the session and the user: they fail first
    client.force_login(enterprise)
    client.raise_request_exception = False
    with database_fails_with(ConnectionLost("server closed the connection unexpectedly")):
        response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    if path.startswith("/api/"):
        assert response.json()["code"] == "service_unavailable"
    else:
        assert "数据库暂时不可用" in response.content.decode()


def test_a_deadlock_is_not_reported_as_an_outage(api_as, enterprise):
    assert _api_get_failing(api_as, enterprise, Deadlock("deadlock detected")).status_code == 500
