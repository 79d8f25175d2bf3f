"""System checks of a web node's configuration, run by every manage.py command (the web container's `migrate`
before gunicorn starts among them), so a misconfigured node says so in its start-up log."""
import os
import shlex

from django.conf import settings
from django.core import checks

GUNICORN_DEFAULT_WORKERS = 1
DOOR_WORKERS = 2  # workers of a node that are never in a claim while the claims in flight are all taken


def web_workers(environ=os.environ) -> int | None:
    """The node's gunicorn worker count as gunicorn reads it from the environment: `--workers`/`-w` in
    GUNICORN_CMD_ARGS before WEB_CONCURRENCY; gunicorn's default when neither is set; None when unreadable.
    A count set only in a gunicorn config file (`-c`) is not seen: the deployment sets it in WEB_CONCURRENCY."""
    args = shlex.split(environ.get("GUNICORN_CMD_ARGS", ""))
    value = None
    for i, arg in enumerate(args):
        if arg in ("-w", "--workers") and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--workers="):
            value = arg.partition("=")[2]
        elif arg.startswith("-w") and len(arg) > 2:  # -w6
            value = arg[2:]
    if value is None:
        value = environ.get("WEB_CONCURRENCY")
    if value is None:
        return GUNICORN_DEFAULT_WORKERS
    try:
        return int(value)
    except ValueError:
        return None


def claim_door_workers(app_configs=None, environ=os.environ, **kwargs) -> list[checks.Warning]:
    """hangqifu.W001: with the claim's admission on, a node whose workers do not exceed HANGQIFU_CLAIM_IN_FLIGHT by
    DOOR_WORKERS can have every worker in a claim at 9:00, and then the excess waits in the socket backlog instead
    of getting its 429 and place in line at once."""
    limit = settings.CLAIM_IN_FLIGHT_LIMIT
    if limit <= 0:
        return []
    workers = web_workers(environ)
    if workers is not None and workers >= limit + DOOR_WORKERS:
        return []
    told = "unreadable" if workers is None else str(workers)
    return [checks.Warning(
        f"{told} gunicorn workers for HANGQIFU_CLAIM_IN_FLIGHT={limit}: at the claim rush every worker can be in a "
        "claim, and the excess then waits in the socket backlog instead of being answered 429 at once.",
        hint=f"Set WEB_CONCURRENCY (or --workers in GUNICORN_CMD_ARGS) to at least {limit + DOOR_WORKERS}, or "
             "lower HANGQIFU_CLAIM_IN_FLIGHT.",
        id="hangqifu.W001",
    )]
