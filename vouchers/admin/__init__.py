"""Admin of the money core: funds, batches, vouchers, orders and the ledger (funds.py); other programmes' award
lists (subsidies.py)."""
from . import funds, subsidies  # noqa: F401
