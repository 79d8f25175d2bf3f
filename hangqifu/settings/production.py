"""Production: every secret comes from the environment; the test clock cannot be switched on."""
from .base import *  # noqa: F403

DEBUG = False
TEST_CLOCK_ALLOWED = False
HANGQIFU_TEST_CLOCK = False

SECRET_KEY = env("DJANGO_SECRET_KEY")  # noqa: F405  (no default: refuse to start without one)
# 127.0.0.1: the container healthcheck calls /healthz/ from inside.
ALLOWED_HOSTS = [*env.list("DJANGO_ALLOWED_HOSTS"), "127.0.0.1"]  # noqa: F405
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])  # noqa: F405

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)  # noqa: F405
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}  # noqa: F405
API_DOCS_PUBLIC = False  # the schema and docs need a login
DEMO_SECOND_FACTOR_ALLOWED = False  # the demo staff's published TOTP secret is refused

# The claim's admission control is on in production (hangqifu/core/admission.py); size it per deployment, below
# each node's gunicorn workers (WEB_CONCURRENCY, the Dockerfile's: 8), so that some workers are always free to
# answer; every manage.py command warns hangqifu.W001 (hangqifu/core/checks.py) when they are not 2 more.
CLAIM_IN_FLIGHT_LIMIT = env.int("HANGQIFU_CLAIM_IN_FLIGHT", default=4)  # noqa: F405
