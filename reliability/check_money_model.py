"""Check 1 (long): the seeded random money model over many seeds; every step checks I1–I7."""
import pytest

from reliability.figures import record, scale
from reliability.money_model import MoneyModel

pytestmark = [pytest.mark.django_db(transaction=True)]
SEEDS = scale("model_seeds", 8)
STEPS = scale("model_steps", 300)


@pytest.mark.parametrize("seed", range(1000, 1000 + SEEDS))
def test_money_model_seed(seed):
    # every other seed has a small fund, so its remainder is reached and probed to the cent (用完为止)
    result = MoneyModel(seed, buyers=8, providers=4, fund_total="6000.00" if seed % 2 else "15000.00").run(STEPS)
    ok = sum(n for key, n in result.outcomes.items() if key.endswith((":ok", ":last_cent")))
    remainder = {key.split(":")[1]: n for key, n in result.outcomes.items() if key.startswith("deduct_remainder:")}
    record("money_model_fund_remainder", tried=sum(remainder.values()), held=sum(remainder.values()) if result.ok else 0,
           detail=f"seed {seed}: deductions aimed at the fund's remainder {dict(sorted(remainder.items()))}")
    refused = sum(n for key, n in result.outcomes.items() if not key.endswith((":ok", ":skip", ":last_cent")))
    record("money_model_steps", tried=result.steps, held=result.steps if result.ok else 0,
           detail=f"seed {seed}: {result.steps} steps ({ok} moved, {refused} refused by a rule), "
                  f"{len(result.violations)} violations, {len(result.errors)} unexpected errors"
                  + (f" — first: {(result.violations + result.errors)[0][:300]}" if not result.ok else ""))
    assert result.errors == [], result.errors[0]
    assert result.violations == [], result.violations[:5]
