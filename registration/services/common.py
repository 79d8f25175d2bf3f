"""Helpers shared by the services of registration and of the money core above it: guarded FSM transitions and
page links for notifications."""
from django.urls import NoReverseMatch, reverse
from django_fsm import can_proceed

from hangqifu.core.errors import InvalidTransition, NotPermitted


def guard(bound_transition, *, allowed: bool, denied: str, wrong_state: str | None = None) -> None:
    """403 when the actor may not take this kind of action at all, 409 when the state does not allow it."""
    if not allowed:
        raise NotPermitted(denied)
    if not can_proceed(bound_transition):
        raise InvalidTransition(wrong_state or "当前状态下不能执行此操作")


def page_url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
