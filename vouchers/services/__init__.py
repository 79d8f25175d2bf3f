"""The only code that writes vouchers models. Import from the submodules (registration, qualification,
rereview, change_reports, imports)."""
