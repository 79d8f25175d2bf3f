"""Firing an FSM transition from a service: role first (403), then state (409)."""
from django_fsm import can_proceed

from hangqifu.core.errors import InvalidTransition, NotPermitted


def fire(obj, name: str, actor=None, *, system: bool = False) -> str:
    """Run transition `name` on `obj` for `actor`; returns the state it left. System transitions (notice
    outcomes, jobs) skip the role check; user transitions refuse a caller the transition does not admit."""
    method = getattr(obj, name)
    meta = method._django_fsm
    if not system:
        transitions = list(meta.transitions.values())
        if not any(t.has_perm(obj, actor) for t in transitions):
            raise NotPermitted()
    if not can_proceed(method):
        raise InvalidTransition()
    from_state = obj.state
    method()
    return from_state


def available_actions(obj, user) -> list[str]:
    """The API action names (`custom["action"]`) of transitions the user may fire now."""
    actions = []
    for transition in obj.get_available_state_transitions():
        action = transition.custom.get("action")
        if action and transition.has_perm(obj, user) and action not in actions:
            actions.append(action)
    return actions
