"""What a holder holds under its qualification — its live service vouchers — belongs to the money core, a floor
above registration. A qualification's suspension reports the vouchers it freezes and its revocation voids them
(第九条) through the two functions the money core registers here when it loads (vouchers/apps.py):

    holdings_register(count=live_vouchers_of, void=qualification_vouchers_void)

`count(qualification)` returns (number, Σ balance) of its live vouchers; `void(qualification=…, actor=…, reason=…)`
voids them inside the caller's transaction (after the qualification row is locked: qualification → voucher)."""
from collections.abc import Callable
from decimal import Decimal

_HOLDINGS: dict[str, Callable] = {}


def holdings_register(*, count: Callable, void: Callable) -> None:
    _HOLDINGS.update(count=count, void=void)


def _registered(name: str) -> Callable:
    try:
        return _HOLDINGS[name]
    except KeyError:
        # Without the money core no qualification may be revoked: its vouchers would stay live.
        raise LookupError(f"no holdings `{name}` registered (the vouchers app registers it when it loads)") from None


def live_holdings(qualification) -> tuple[int, Decimal]:
    """(number, Σ balance) of the qualification's live vouchers."""
    return _registered("count")(qualification)


def holdings_void(*, qualification, actor, reason: str) -> None:
    """Void the qualification's live vouchers, inside the caller's transaction."""
    _registered("void")(qualification=qualification, actor=actor, reason=reason)
