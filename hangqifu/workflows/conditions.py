"""Transition conditions with the refusal they give: a condition is a named function of the object, listed in
the transition's `conditions=` and declared with `@condition(code=…, detail=…)`, its docstring citing the
article of the policy it enforces. `transitions.fire` raises the first failing condition's refusal.

This module imports nothing but the error types, so models can declare conditions without loading services."""
from collections.abc import Callable

from hangqifu.core.errors import DomainError, RuleViolation


def condition(*, code: str, detail: str | Callable[[object], str], error: type[DomainError] = RuleViolation):
    """Declare a transition condition with the structured refusal the API returns when it does not hold:
    `error` (a rule violation, 409) with `code` and `detail`, the Chinese message or a function of the object
    that writes it."""

    def declare(func):
        func.refusal = (error, code, detail)
        return func

    return declare


def actor_conditions(transition) -> list:
    """The conditions of `transition` that take the actor too: `custom={"actor_conditions": [...]}`."""
    return list(transition.custom.get("actor_conditions", ()))


def condition_refusal(check, obj) -> DomainError:
    error, code, detail = getattr(check, "refusal", (RuleViolation, "condition_unmet", "当前尚不满足办理条件"))
    return error(detail(obj) if callable(detail) else detail, code=code)
