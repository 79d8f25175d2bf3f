"""Reads of the vouchers app (scoped to the user). Import from the submodules."""
