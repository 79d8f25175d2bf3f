"""API fuzzing (check 7) with schemathesis against the live `/api/v1/schema/`, in-process through WSGI (so it
runs inside a test's database). Every operation gets `examples` generated requests; each is sent with the
token of a demo user, the roles taking turns, plus anonymously. Checks: no 5xx, and every response (status,
content type, body) conforms to the schema. Failures are collected, not raised at the first one, so a run
reports every operation that misbehaves."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

# Operations that change the environment rather than the data (the test clock moves every rule's "now").
# The test clock moves time for everyone; logging out would revoke the token the fuzzer is using.
EXCLUDED_PATHS = ("/api/v1/test-clock/", "/api/v1/auth/logout/")


@dataclass
class FuzzResult:
    operations: int = 0
    cases: int = 0
    failures: list = field(default_factory=list)  # (operation, who, status, problem)

    def add(self, label: str, who: str, status, problem: str):
        self.failures.append((label, who, status, problem.strip()[:300]))


def fuzz_api(tokens: dict[str, str], *, examples: int = 2, budget_seconds: float = 120.0,
             seed: int = 2026) -> FuzzResult:
    """tokens: {who: token key}; '' sends the request anonymously."""
    from django.core import signals
    from django.db import close_old_connections

    # As Django's test client does: the WSGI handler would close the test's database connection at the end of
    # every request (request_finished → close_old_connections), inside the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        return _fuzz(tokens, examples=examples, budget_seconds=budget_seconds, seed=seed)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _fuzz(tokens, *, examples, budget_seconds, seed) -> FuzzResult:
    import schemathesis
    from django.core.wsgi import get_wsgi_application
    from hypothesis import HealthCheck, Phase, given, seed as hypothesis_seed, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    result = FuzzResult()
    people = list(tokens.items())
    started = time.monotonic()
    for outcome in schema.get_all_operations():
        operation = outcome.ok()
        if operation.path.startswith(EXCLUDED_PATHS) or time.monotonic() - started > budget_seconds:
            continue
        result.operations += 1
        label = f"{operation.method.upper()} {operation.path}"
        turn = {"n": 0}

        @hypothesis_seed(seed)
        @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            who, token = people[turn["n"] % len(people)]
            turn["n"] += 1
            headers = {"Authorization": f"Token {token}"} if token else {}
            result.cases += 1
            try:
                response = case.call(headers=headers)
            except Exception as exc:  # noqa: BLE001 - a crash in the app under test
                result.add(label, who, "exception", repr(exc))
                return
            try:
                case.validate_response(response, checks=checks)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - a group of check failures
                problems = [str(e).strip().splitlines()[0] for e in getattr(exc, "exceptions", [exc])]
                result.add(label, who, response.status_code, "; ".join(problems))

        run()
    return result
