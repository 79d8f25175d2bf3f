"""What a page says after a POST that calls one service: the service's refusal or the page's own success line."""
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
