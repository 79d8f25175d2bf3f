"""What a page says after a POST that calls one service: the service's refusal (as a message, or on the form
that was posted) or the page's own success line."""
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.contrib import messages
from django.http import Http404

from .errors import DomainError, field_messages


@contextmanager
def page_outcome(request, *, done: str) -> Iterator[None]:
    """Run the block (one service call): a DomainError it raises becomes the page's error message, as a person
    reads it, and goes no further; otherwise `done` is shown as the success message."""
    try:
        yield
    except DomainError as exc:
        messages.error(request, exc.message())
    else:
        messages.success(request, done)


def add_domain_errors(form, exc: DomainError) -> None:
    """Show a DomainError on the form that was posted: a field's messages on that field when the form has it,
    as form-wide errors when it does not (a product row of the application's formset, an uploaded document);
    the detail, form-wide, only when no message was placed at all."""
    placed = False
    for field, errors in exc.fields.items():
        for message in field_messages(errors):
            form.add_error(field if field in form.fields else None, message)
            placed = True
    if not placed:
        form.add_error(None, exc.detail)


def form_submit(request, form, service: Callable[..., Any], **arguments) -> tuple[bool, Any]:
    """A page's form posted into one service: on a POST whose form is valid, call
    `service(actor=request.user, **arguments, **form.cleaned_data)` and return `(True, what it returned)`.
    Otherwise — a GET, an invalid form, or a DomainError from the service, whose messages go on the form's
    fields — return `(False, None)`, and the page shows the form again."""
    if request.method != "POST" or not form.is_valid():
        return False, None
    try:
        return True, service(actor=request.user, **arguments, **form.cleaned_data)
    except DomainError as exc:
        add_domain_errors(form, exc)
        return False, None


def page_action(request, actions: Mapping[str, tuple[Callable[..., None], str]], action: str, **target) -> None:
    """Run the page's named action on `target`: `actions` maps each name a page posts to the service and the
    success line (`page_outcome`); the service is called with the request's user as actor. A name not in the
    table is no page (404)."""
    if action not in actions:
        raise Http404
    service, done = actions[action]
    with page_outcome(request, done=done):
        service(actor=request.user, **target)


def found_or_404(obj, message: str):
    """What a scoped read found, or a 404 page saying `message` (a row the user may not see is not found)."""
    if obj is None:
        raise Http404(message)
    return obj
