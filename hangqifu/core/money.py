"""Money is Decimal yuan with two places. Input is parsed exactly (never rounded); a share of an amount is
rounded down to the fen, so a cap is never exceeded by rounding."""
import re
from decimal import ROUND_DOWN, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")

MONEY_FIELD_KWARGS = {"max_digits": 14, "decimal_places": 2}


# DecimalField(max_digits=14, decimal_places=2): the largest amount a column can hold.
MAX_AMOUNT = Decimal("999999999999.99")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]{1,15}(\.[0-9]{1,15})?")


def yuan(value) -> Decimal:
    """The portal's one parser for an amount typed, posted or imported: exact yuan with at most two decimals.
    Refuses (ValueError, which callers turn into the API's `invalid`) floats, exponents (`1e27`), NaN and
    Infinity, more than two decimals (never rounded away silently) and amounts no column can hold."""
    if isinstance(value, (float, bool)) or value is None:
        raise ValueError("金额格式不正确")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    else:
        text = str(value).strip()
        if not _PLAIN_NUMBER.fullmatch(text):
            raise ValueError("金额格式不正确：请输入以元为单位的数字，最多两位小数")
        amount = Decimal(text)
    if not amount.is_finite():
        raise ValueError("金额格式不正确")
    if amount.as_tuple().exponent < -2:
        raise ValueError("金额最多两位小数（精确到分）")
    if abs(amount) > MAX_AMOUNT:
        raise ValueError("金额超出范围")
    return amount.quantize(FEN)  # exact: at most two decimals were given


def share(amount: Decimal, ratio: Decimal) -> Decimal:
    """The largest amount in fen not above amount × ratio (a cap must never be exceeded by rounding)."""
    return (amount * ratio).quantize(FEN, rounding=ROUND_DOWN)


def fmt(amount: Decimal) -> str:
    return f"{amount:,.2f}"
