"""Micro-measurement of concurrent audit appends (not collected by pytest; run by hand on PostgreSQL):

    DATABASE_URL=postgres://…/hq_x .venv/bin/python -m audit.tests.bench_appends [threads] [events] [hold_ms]

Each thread appends `events` audited events for its own organisation, one transaction per event; `hold_ms`
keeps each transaction open that long after its append (pg_sleep), as a money write does with its other
statements before COMMIT. Prints events/s. Creates (and keeps) the organisations it needs and its events."""
import os
import sys
import threading
import time


def main(threads: int = 8, events: int = 500, hold_ms: float = 0.0) -> float:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hangqifu.settings.local")
    import django

    django.setup()
    from django.db import connection, connections, transaction

    from hangqifu.accounts.models import Organisation
    from hangqifu.audit.services import audit_record

    # consecutive ids: different organisations, different chains
    organisations = [Organisation.objects.create(kind=Organisation.Kind.ENTERPRISE, name=f"bench-audit-{i}")
                     for i in range(threads)]
    connection.close()
    start = threading.Barrier(threads + 1)
    errors = []

    def worker(organisation):
        try:
            start.wait()
            for i in range(events):
                with transaction.atomic():
                    audit_record(action="bench.append", organisation=organisation, payload={"i": i, "amount": "1.00"})
                    if hold_ms:
                        with connection.cursor() as cursor:
                            cursor.execute("SELECT pg_sleep(%s)", [hold_ms / 1000])
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(org,)) for org in organisations]
    for thread in pool:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise errors[0]
    rate = threads * events / elapsed
    print(f"{threads} threads x {events} events, hold {hold_ms} ms: {elapsed:.2f} s, {rate:.0f} events/s")
    return rate


if __name__ == "__main__":
    args = sys.argv[1:]
    main(int(args[0]) if args else 8, int(args[1]) if len(args) > 1 else 500,
         float(args[2]) if len(args) > 2 else 0.0)
