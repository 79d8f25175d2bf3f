"""The only code that writes registration models: applications (registration), the year's qualification
(qualification), re-review (rereview), change reports (change_reports), the reference-list imports (imports) and
the dishonesty lists' consequences (credit_lists). Import from the submodules."""
