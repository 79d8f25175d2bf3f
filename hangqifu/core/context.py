"""Who and where the current request comes from, for the audit trail, without passing `request` into
services. Set by RequestContextMiddleware; empty in tasks and commands."""
from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)
