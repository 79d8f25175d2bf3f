"""The set-based counterpart of `fire`: a system step that moves a whole set of rows along one transition with
one conditional UPDATE, where `fire` per row would cost a round trip per row. Three steps of the portal are of
this kind, each over sets nobody chooses row by row: the year-end expiry and the fund's exhaustion end every
live voucher of a year (hundreds of thousands; a revoked qualification, a holder's few, the same way), a public
notice's close clears every item nobody objected to, and a settlement batch collects every approved claim
(tens of thousands each).

A set-based step still fires a transition the model declares, so its diagram shows it and its states are read
from one place:
- `declared_move(model, name)` gives the transition's source states and its target, and refuses a transition
  anybody could fire by hand (its permission must be `predicates.nobody`): a person's decision goes through
  `fire`, with its permission check;
- the caller holds the lock that keeps the set from changing and runs its UPDATE on `state IN sources`, so a
  row that has left the set meanwhile stays where it is;
- `state_log_rows` writes the django-fsm-log row each object would get from `fire` (one INSERT … SELECT);
- the caller writes the audit trail: one event per claim collected (`audit_record_many`); the notice's close
  event with the count of items it cleared; one event with the count for a voucher sweep, each voucher ended
  having its own ledger entry."""
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from django_fsm_log.models import StateLog

from .transitions import state_field, transition_meta

SYSTEM_PERMISSION = "nobody"  # hangqifu.accounts.predicates.nobody, a floor above this one


def declared_move(model, name: str) -> tuple[tuple[str, ...], str]:
    """(source states, target state) of the system transition `name` declared on `model`."""
    meta = transition_meta(model, name)
    declared = list(meta.transitions.values())
    targets = {transition.target for transition in declared}
    if len(targets) != 1 or any(getattr(t.permission, "__name__", "") != SYSTEM_PERMISSION for t in declared):
        raise TypeError(f"{model.__name__}.{name} is not a system transition with one target: fire it per object")
    return tuple(meta.transitions), targets.pop()


def state_log_rows(model, name: str, *, where: str, params: list, source: str | None = None) -> int:
    """The django-fsm-log rows `fire` would write (by and description empty, as for a system transition) for
    the rows of `model` matching the SQL `where`: run it before the UPDATE, while each row's state column is
    still its source, or after it with the `source` all the rows left."""
    field = state_field(model, name)
    _, target = declared_move(model, name)
    log, table = StateLog._meta.db_table, model._meta.db_table
    source_sql, source_params = ("%s", [source]) if source is not None else (connection.ops.quote_name(field.column), [])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {log} (timestamp, by_id, source_state, state, transition, content_type_id, object_id, "
            f"description) SELECT %s, NULL, {source_sql}, %s, %s, %s, id, NULL FROM {table} WHERE {where}",
            [connection.ops.adapt_datetimefield_value(timezone.now()), *source_params, target, name,
             ContentType.objects.get_for_model(model).pk, *params])
        return cursor.rowcount

