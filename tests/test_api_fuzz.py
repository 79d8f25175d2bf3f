"""Check 7 (short, in the suite): schemathesis generates requests for every operation of `/api/v1/schema/`
and sends them as the demo users of every role (token auth) and anonymously: no 5xx, and every response
matches the schema (status code documented, content type, body) — no deviation tolerated. `make reliability`
runs many more examples."""
import pytest
from django.core.management import call_command

from reliability.figures import record, scale
from reliability.fuzz import fuzz_api

pytestmark = pytest.mark.django_db


@pytest.fixture
def role_tokens(set_clock):
    from hangqifu.accounts.models import User
    from reliability.scenarios import api_token

    set_clock("2026-06-01T09:00:00+08:00")
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    tokens = {user.username: api_token(user)
              for user in User.objects.filter(username__in=[
                  "demo-enterprise", "demo-park", "demo-provider", "demo-center", "demo-bureau", "demo-finance",
                  "demo-district", "demo-expert"])}
    assert len(tokens) == 8
    return {**tokens, "anonymous": ""}


def test_generated_requests_never_get_a_5xx_and_match_the_schema(role_tokens):
    result = fuzz_api(role_tokens, examples=scale("fuzz_examples", 2), budget_seconds=scale("fuzz_budget", 150))
    record("api_fuzz", tried=result.cases, held=result.cases - len(result.failures),
           detail=f"{result.operations} operations, {result.cases} generated requests, "
                  f"{len(result.failures)} failures" + (f" — e.g. {result.failures[:3]}" if result.failures else ""))
    assert result.operations >= 80
    server_errors = [f for f in result.failures if f[2] == "exception" or (isinstance(f[2], int) and f[2] >= 500)]
    assert server_errors == [], server_errors
    deviations = sorted({(f[0], f[2], f[3]) for f in result.failures})  # undocumented status, body mismatch
    assert deviations == [], "\n".join(map(str, deviations))
