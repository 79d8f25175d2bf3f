"""Money is Decimal yuan with two places. One rounding rule for the whole portal: half up to the fen."""
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
ZERO = Decimal("0.00")

MONEY_FIELD_KWARGS = {"max_digits": 14, "decimal_places": 2}


def yuan(value) -> Decimal:
    """Parse a value to an exact amount; raises ValueError on anything that is not a finite number."""
    if isinstance(value, float):
        raise ValueError("金额不能使用浮点数")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, TypeError) as exc:
        raise ValueError("金额格式不正确") from exc
    if not amount.is_finite():
        raise ValueError("金额格式不正确")
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def share(amount: Decimal, ratio: Decimal) -> Decimal:
    """The largest amount in fen not above amount × ratio (a cap must never be exceeded by rounding)."""
    return (amount * ratio).quantize(FEN, rounding=ROUND_DOWN)


def fmt(amount: Decimal) -> str:
    return f"{amount:,.2f}"
