"""vouchers models: funds, batches, voucher types, vouchers, orders, deductions and the ledger. The qualification
they draw on is registration's (registration.models.Qualification)."""
from .fund_declarations import FundInsufficiencyDeclaration
from .funds import Fund, IssuanceBatch, VoucherType
from .ledger import LedgerEntry
from .orders import Deduction, Order, Satisfaction
from .provider_cap import ProviderServiceYear
from .subsidies import OtherSubsidyAward
from .vouchers import Voucher

__all__ = [
    "Deduction", "Fund", "FundInsufficiencyDeclaration", "IssuanceBatch", "LedgerEntry", "Order", "OtherSubsidyAward",
    "ProviderServiceYear", "Satisfaction", "Voucher", "VoucherType",
]
