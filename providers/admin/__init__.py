"""Chinese admin for staff: rounds, the application queue, products review, removals. Every workflow action
calls a service; nothing sets `state` directly."""
from . import applications, evaluations, products  # noqa: F401
