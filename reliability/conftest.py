"""`make reliability`: the long checks live in `reliability/check_*.py` (the normal suite never collects them)
and record their figures with `reliability.figures.record`; `reliability/report.py` writes
bench/RELIABILITY.md and bench/reliability.json from them."""
