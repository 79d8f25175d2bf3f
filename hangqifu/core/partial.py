"""Partial updates: a service that edits a record takes each field as an optional keyword argument, None meaning
"leave it as it is" (no field of such a record is ever set to None)."""


def given(**values) -> dict:
    """The arguments a partial update was given, by name."""
    return {name: value for name, value in values.items() if value is not None}
