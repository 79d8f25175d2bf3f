"""One way to fire a workflow transition, for every workflow of the portal. In this order:

1. **who** — the actor must be one the transition admits (its `permission=`), else 403 `permission_denied`;
2. **where** — the object's current state must be a source of the transition, else 409 `invalid_transition`;
3. **the rule** — every `conditions=` of the transition holds, else the first failing condition's own
   structured error (its code, e.g. `commitment_letter_missing`, 409);
4. fire the transition method, apply the caller's field changes, save the state and every changed field;
5. write the audit event, in the same transaction.

The 403/409 rule: *who may act is answered before where the object stands.* The permission is read from the
transition declared for the current state; when the current state has none, the actor counts as admitted if
any declaration of the transition (from any state) admits them. So a party who may take this step learns
that the state does not allow it now (409), and anyone else learns only that they may not (403) — never the
state of an object they may not act on. A rule checked by a service after this helper (a refusal that needs
the caller's input) comes third, after both.

System transitions (`system=True`: jobs, notice outcomes, a step another service completes, transitions whose
permission is `predicates.nobody`) skip step 1; the audit row still names the actor when there is one.

A condition is a named function of the object, declared with `@condition(code=…, detail=…)` and listed in
the transition's `conditions=`; its docstring cites the article of the policy. A rule that relates the actor to
the object beyond their role (the co-signer is not the first signer) is a function of both, declared the same
way and listed in `custom={"actor_conditions": [...]}` (django-fsm calls `conditions=` with the object alone);
it is checked in step 3 right after the object's conditions. Conditions are checked in addition to, never
instead of, the database guard at the moment of use (a conditional UPDATE, a constraint).

Pages and the API offer an action from the same answer: `available_actions` (what the user may fire now) and
`action_offers` (also what the state and role allow but a condition refuses, with its reason for the disabled
button).
"""
from collections.abc import Iterable

from django_fsm import FSMFieldMixin

from hangqifu.audit.services import audit_record
from hangqifu.core.errors import DomainError, InvalidTransition, NotPermitted

from .conditions import actor_conditions, condition_refusal


def transition_meta(obj, name: str):
    """django-fsm's declaration of transition `name` on a model instance or a model class."""
    method = getattr(obj, name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None:
        raise TypeError(f"{getattr(obj, '__name__', type(obj).__name__)}.{name} is not a transition")
    return meta


def state_field(obj, name: str) -> FSMFieldMixin:
    field = transition_meta(obj, name).field
    return obj._meta.get_field(field) if isinstance(field, str) else field


def _may_act(obj, meta, state, actor) -> bool:
    """The actor is one the transition admits: by its declaration for `state`, else by any declaration."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if meta.has_transition(state):
        return meta.has_transition_perm(obj, state, actor)
    return any(declared.has_perm(obj, actor) for declared in meta.transitions.values())


def _wrong_state_detail(obj, field) -> str:
    label = obj._meta.verbose_name
    display = getattr(obj, f"get_{field.name}_display", None)
    state = display() if display else field.get_state(obj)
    return f"{label}当前为“{state}”，不能执行此操作"


def transition_refusal(obj, name: str, *, actor=None, system: bool = False, denied: str | None = None,
                       wrong_state: str | None = None) -> DomainError | None:
    """The error `fire` would raise now for `actor`, or None when the transition may proceed. Pages use it to
    show an action disabled with the service's own reason."""
    meta = transition_meta(obj, name)
    field = state_field(obj, name)
    state = field.get_state(obj)
    if not system and not _may_act(obj, meta, state, actor):
        return NotPermitted(denied)
    if not meta.has_transition(state):
        return InvalidTransition(wrong_state or _wrong_state_detail(obj, field))
    return _unmet(obj, meta.get_transition(state), actor)


def _unmet(obj, transition, actor) -> DomainError | None:
    """The refusal of the first condition of `transition` that does not hold, or None."""
    for check in transition.conditions:
        if not check(obj):
            return condition_refusal(check, obj)
    for check in actor_conditions(transition):
        if not check(obj, actor):
            return condition_refusal(check, obj)
    return None


def transition_check(obj, name: str, *, actor=None, system: bool = False, denied: str | None = None,
                     wrong_state: str | None = None) -> None:
    """Steps 1–3 alone: raise the refusal, if any. A service that must refuse on its own input only once the
    actor and the state are known good calls this first, then `fire`."""
    refusal = transition_refusal(obj, name, actor=actor, system=system, denied=denied, wrong_state=wrong_state)
    if refusal is not None:
        raise refusal


def _loaded(obj) -> dict:
    """The concrete field values already on the instance (deferred fields are not loaded by looking)."""
    return {f.attname: obj.__dict__[f.attname] for f in obj._meta.concrete_fields if f.attname in obj.__dict__}


def fire(obj, name: str, *, actor, action: str, system: bool = False, changes: dict | None = None,
         fields: Iterable[str] = (), payload: dict | None = None, organisation=None,
         denied: str | None = None, wrong_state: str | None = None) -> str:
    """Fire transition `name` on the locked `obj` for `actor` and return the state it left.

    `changes` are field values the step sets (who decided, the opinion); they are applied after the
    transition method, and saved together with the state and whatever the method itself set. `fields` names
    fields the caller changed in place before (a JSON value mutated, a field set before the call).
    The audit event has `action`, both states, `payload`, and the event's organisation: `organisation`
    when given, else the object's, else the actor's (`audit_record`)."""
    transition_check(obj, name, actor=actor, system=system, denied=denied, wrong_state=wrong_state)
    field = state_field(obj, name)
    before_values = _loaded(obj)
    from_state = field.get_state(obj)
    getattr(obj, name)()
    for attribute, value in (changes or {}).items():
        setattr(obj, attribute, value)
    after_values = _loaded(obj)
    changed = [f.name for f in obj._meta.concrete_fields
               if f.attname in after_values and after_values[f.attname] != before_values.get(f.attname, object())]
    stamped = [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]
    update_fields = list(dict.fromkeys([field.name, *changed, *fields, *stamped]))
    obj.save(update_fields=update_fields)
    audit_record(actor=actor, action=action, obj=obj, from_state=from_state, to_state=field.get_state(obj),
                 payload=payload or {}, organisation=organisation)
    return from_state


def _from_current_state(obj):
    """The transitions declared from the object's current state, in declaration order, per state field."""
    for field in obj._meta.concrete_fields:
        if not isinstance(field, FSMFieldMixin):
            continue
        state = field.get_state(obj)
        for method in field.transitions.get(type(obj), {}).values():
            meta = method._django_fsm
            if meta.has_transition(state):
                yield meta.get_transition(state)


def action_offers(obj, user) -> dict[str, str]:
    """The API action names (`custom["action"]`) a page offers `user` on `obj` now, each with "" when it may be
    fired, or with the Chinese reason a condition refuses it (the page shows the button disabled with it).
    Actions the user may not take (403) or the state does not allow (409) are not offered."""
    offers: dict[str, str] = {}
    if user is None or not getattr(user, "is_authenticated", False):
        return offers
    for transition in _from_current_state(obj):
        action = transition.custom.get("action")
        if not action or offers.get(action) == "" or not transition.has_perm(obj, user):
            continue  # asked without raising: a refusal raised is noted as one the user met
        refusal = _unmet(obj, transition, user)
        if refusal is None:
            offers[action] = ""
        else:
            offers.setdefault(action, refusal.detail)
    return offers


def available_actions(obj, user) -> list[str]:
    """The API action names (`custom["action"]`) of the transitions `user` may fire now (state, conditions
    and permission all allow it), each once."""
    return [action for action, reason in action_offers(obj, user).items() if not reason]
