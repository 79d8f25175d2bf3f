"""Check 7 (long): schemathesis with many examples per operation, every demo role and anonymous; all 5xx and
every schema deviation count as failures (the suite's short run tolerates the known, reported deviations)."""
import pytest
from django.core.management import call_command

from reliability.figures import record, scale
from reliability.fuzz import fuzz_api

pytestmark = pytest.mark.django_db


def test_fuzz_every_operation(set_clock):
    from hangqifu.accounts.models import User
    from reliability.scenarios import api_token

    set_clock("2026-06-01T09:00:00+08:00")
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    tokens = {u.username: api_token(u)
              for u in User.objects.filter(username__startswith="demo-")}
    result = fuzz_api({**tokens, "anonymous": ""}, examples=scale("fuzz_examples", 25),
                      budget_seconds=scale("fuzz_budget", 900))
    server_errors = [f for f in result.failures if f[2] == "exception" or (isinstance(f[2], int) and f[2] >= 500)]
    distinct = sorted({(f[0], f[2], f[3]) for f in result.failures})
    record("api_fuzz", tried=result.cases, held=result.cases - len(result.failures),
           detail=f"{result.operations} operations, {result.cases} generated requests, {len(server_errors)} 5xx, "
                  f"{len(result.failures)} failing responses in {len(distinct)} distinct (operation, status, problem)")
    for row in distinct[:25]:
        record("api_fuzz", tried=0, held=0, detail=f"deviation: {row}")
    assert server_errors == [], server_errors[:5]
    assert distinct == []
