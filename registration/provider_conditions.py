"""The dishonesty lists for the providers' 第十四条 credit condition (registered with `providers.conditions`):
the same "listed on day D" rule every other check of 第六条 reads."""
from datetime import date

from providers.conditions import credit_list_source

from .selectors.eligibility import credit_list_hits, describe_hits


@credit_list_source
def credit_hits(credit_code: str, on: date) -> list[str]:
    hits = credit_list_hits(credit_code, on)
    return [describe_hits(hits)] if hits else []
