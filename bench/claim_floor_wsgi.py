"""The claim rush's floor run (bench/claim_floor.py): the portal's WSGI application with the claim URL answered by
the claim floor. BENCH_FLOOR_AUDIT=0 leaves the audit append out too. Bench only: gunicorn loads this module
instead of hangqifu.wsgi for that one run."""
import os

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

from django.urls import path  # noqa: E402  (needs the app registry set up above)

from hangqifu import urls  # noqa: E402

from bench.claim_floor import FloorClaimApi  # noqa: E402

urls.urlpatterns[:0] = [path("api/v1/batches/<int:pk>/claim/", FloorClaimApi.as_view(
    with_audit=os.environ.get("BENCH_FLOOR_AUDIT", "1") == "1"))]
