"""`make bench`: performance benchmarks against the local PostgreSQL and Redis (see bench/RESULTS.md)."""
