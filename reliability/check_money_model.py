"""Check 1 (long): the seeded random money model over many seeds; every step checks I1–I7."""
import pytest

from reliability.figures import record, scale
from reliability.money_model import MoneyModel

pytestmark = [pytest.mark.django_db(transaction=True)]
SEEDS = scale("model_seeds", 8)
STEPS = scale("model_steps", 300)


@pytest.mark.parametrize("seed", range(1000, 1000 + SEEDS))
def test_money_model_seed(seed):
    result = MoneyModel(seed, buyers=8, providers=4).run(STEPS)
    ok = sum(n for key, n in result.outcomes.items() if key.endswith(":ok"))
    refused = sum(n for key, n in result.outcomes.items() if not key.endswith((":ok", ":skip")))
    record("money_model_steps", tried=result.steps, held=result.steps if result.ok else 0,
           detail=f"seed {seed}: {result.steps} steps ({ok} moved, {refused} refused by a rule), "
                  f"{len(result.violations)} violations, {len(result.errors)} unexpected errors"
                  + (f" — first: {(result.violations + result.errors)[0][:300]}" if not result.ok else ""))
    assert result.errors == [], result.errors[0]
    assert result.violations == [], result.violations[:5]
