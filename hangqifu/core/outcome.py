"""What a page says after a POST that calls one service: the service's refusal (as a message, or on the form
that was posted) or the page's own success line."""
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib import messages

from .errors import DomainError


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
    """Show a DomainError's field messages on the form's fields (the detail as a form-wide error when none of
    its fields is on the form)."""
    placed = False
    for field, errors in (exc.fields or {}).items():
        if field in form.fields:
            for message in errors if isinstance(errors, list) else [str(errors)]:
                form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, exc.detail)
