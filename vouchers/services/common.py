"""The programme gates every claim, order and deduction of the money core passes."""
from hangqifu.policy.services import assert_policy_in_force
from registration.selectors.eligibility import assert_not_listed


def assert_buyer_in_programme(*, credit_code: str | None, on, action: str) -> None:
    """The gates every new claim, order and deduction passes on the day of the act: the policy in force
    (第二十二条, `policy_not_in_force`) and the buyer on no dishonesty list (第六条, `credit_listed`). The
    statements that move the quota repeat the list check in SQL (eligibility.listed_on_day)."""
    assert_policy_in_force(action=action, on=on)
    assert_not_listed(credit_code, on=on)
