"""Moving the test clock (never in production: `clock.test_clock_enabled`): set, advance, reset, and run the
periodic jobs due at the new time. Trainers use it from the portal header, scripts through the API; both
call these, so every move is in the audit trail with the time before and after."""
from datetime import datetime, timedelta

from hangqifu.accounts.roles import Role
from hangqifu.audit.services import audit_record
from hangqifu.core import clock, jobs
from hangqifu.core.errors import InvalidInput, NotFound, NotPermitted

# Who may move business time for everyone: the staff who run trainings and acceptance tests.
CLOCK_ROLES = (Role.SERVICE_CENTER, Role.BUREAU)
# The largest single step forward (a trainer jumps to a deadline, never years at once by mistake).
MAX_ADVANCE = timedelta(days=400)


def may_move_clock(user) -> bool:
    return clock.test_clock_enabled() and bool(user and user.is_authenticated and user.has_role(*CLOCK_ROLES))


def _check(actor) -> None:
    if not clock.test_clock_enabled():
        raise NotFound("测试时钟未开启")
    if not may_move_clock(actor):
        raise NotPermitted("只有市工信服务中心和市经信局工作人员可以调整测试时钟")


def _record(*, actor, action: str, before: datetime, **payload) -> None:
    audit_record(actor=actor, action=action, payload={"from": before, "to": clock.now(), **payload})


def clock_set(*, actor, when: datetime, frozen: bool = False) -> datetime:
    _check(actor)
    before = clock.now()
    clock.set_test_clock(when, frozen=frozen)
    _record(actor=actor, action="clock.set", before=before, frozen=frozen)
    return clock.now()


def clock_advance(*, actor, days: int = 0, hours: int = 0) -> datetime:
    _check(actor)
    step = timedelta(days=days, hours=hours)
    if step <= timedelta(0) or step > MAX_ADVANCE:
        raise InvalidInput("一次只能向后拨 1 小时至 400 天", code="invalid_step",
                           fields={"days": ["一次只能向后拨 1 小时至 400 天"]})
    before = clock.now()
    clock.set_test_clock(before + step)
    _record(actor=actor, action="clock.advance", before=before, days=days, hours=hours)
    return clock.now()


def clock_reset(*, actor) -> datetime:
    _check(actor)
    before = clock.now()
    clock.reset_test_clock()
    _record(actor=actor, action="clock.reset", before=before)
    return clock.now()


def clock_run_due(*, actor) -> dict:
    _check(actor)
    before = clock.now()
    results = jobs.run_due_jobs()
    _record(actor=actor, action="clock.run_due_tasks", before=before, jobs=sorted(results))
    return results
