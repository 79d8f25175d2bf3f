"""The only code that writes vouchers models (funds, batches, vouchers, orders, deductions, the ledger). Import from
the submodules."""
