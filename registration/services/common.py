"""Helpers shared by the services of registration and of the money core above it: page links for
notifications. State changes go through the one transition helper (hangqifu.workflows.transitions)."""
from django.urls import NoReverseMatch, reverse


def page_url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
