"""Settings shared by every environment. Values that differ per deployment come from the environment
(django-environ); see README.md "Deploying" for the list."""
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-not-secret-hangqifu")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

# True only where the test clock may be used at all; production.py forces False.
TEST_CLOCK_ALLOWED = False
HANGQIFU_TEST_CLOCK = env.bool("HANGQIFU_TEST_CLOCK", default=False)

INSTALLED_APPS = [
    # The admin requires a verified second factor (hangqifu.accounts.admin_site).
    "hangqifu.accounts.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_fsm",
    "django_fsm_log",
    "simple_history",
    "axes",
    # platform core
    "hangqifu.core",
    "hangqifu.accounts",
    "hangqifu.policy",
    "hangqifu.workdays",
    "hangqifu.documents",
    "hangqifu.notifications",
    "hangqifu.notices",
    "hangqifu.audit",
    "hangqifu.audit_browser",
    "hangqifu.portal",
    # domain apps, bottom to top (docs/architecture.md)
    "sanctions",
    "registration",
    "vouchers",
    "providers",
    "redemption",
    "supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hangqifu.core.admission.ClaimAdmissionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "hangqifu.accounts.middleware.SecondFactorMiddleware",
    "hangqifu.accounts.middleware.StaffIdleTimeoutMiddleware",
    "hangqifu.accounts.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "hangqifu.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hangqifu.urls"
WSGI_APPLICATION = "hangqifu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hangqifu.portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several threads (runserver, in-process tasks) share the file: wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "hangqifu.accounts.validators.MixedCharacterValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

# django-axes: after AXES_FAILURE_LIMIT failed logins the account+address pair is locked, and so is the
# account itself whatever addresses the failures came from (a botnet guessing one staff password).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# How many reverse proxies append to X-Forwarded-For in front of the portal: 1 behind the TLS proxy of
# docker-compose.yml, 0 when gunicorn or runserver is reached directly (the header is then ignored).
# Lockout, throttles and the audit trail read the client address through one function.
HANGQIFU_TRUSTED_PROXY_COUNT = env.int("HANGQIFU_TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "hangqifu.core.client_ip.client_ip"

# Second factor (django-otp): staff roles must use TOTP; other accounts may opt in.
OTP_TOTP_ISSUER = "杭企服"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The demo seed gives demo staff a published TOTP secret; only settings that allow demo data accept it.
DEMO_SECOND_FACTOR_ALLOWED = False
# Staff sessions end after this many idle seconds.
STAFF_IDLE_TIMEOUT_SECONDS = env.int("STAFF_IDLE_TIMEOUT_SECONDS", default=30 * 60)

# API tokens (django-rest-knox, hashed at rest): they expire, and are kept after revocation so a replay is
# recognised and audited.
KNOX_TOKEN_MODEL = "accounts.ApiToken"
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.float("API_TOKEN_TTL_HOURS", default=8)),
    "AUTH_HEADER_PREFIX": "Token",
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
# Plain-Chinese wording of Django's form validation messages (locale/zh_Hans/LC_MESSAGES/django.po).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded documents live outside static/ and are never served directly: only through views that check
# the owning object's permission (hangqifu.documents).
MEDIA_ROOT = Path(env("HANGQIFU_MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if env("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True

UPLOAD_MAX_BYTES = env.int("HANGQIFU_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
CJK_FONT_PATH = BASE_DIR / "static" / "fonts" / "wqy-microhei.ttc"

REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
if CELERY_BROKER_URL or REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "hangqifu.core.cache.RedisCache",
            "LOCATION": REDIS_URL or CELERY_BROKER_URL,
            "KEY_PREFIX": env("HANGQIFU_CACHE_PREFIX", default="hangqifu"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Admission control in front of the claim (hangqifu/core/admission.py): at most this many claims in flight across
# every web worker and node, the excess answered 429 at once with its place in line and a Retry-After of about its
# turn (hangqifu/core/waiting_room.py; 0: off, the default outside production). About the number of cores the
# database can spend on claims. Every web node runs more workers than this (WEB_CONCURRENCY): the workers not in
# a claim are the door that answers the excess at once; a node whose workers are all in claims answers nobody
# until one ends, and the excess waits in the socket backlog instead.
CLAIM_IN_FLIGHT_LIMIT = env.int("HANGQIFU_CLAIM_IN_FLIGHT", default=0)
CLAIM_RETRY_AFTER_SECONDS = env.int("HANGQIFU_CLAIM_RETRY_AFTER", default=1)  # the least Retry-After
CLAIM_RETRY_AFTER_MAX_SECONDS = 120
CLAIM_IN_FLIGHT_EXPIRY_SECONDS = 30
CLAIM_RATE_MEMORY_SECONDS = 30  # the busiest second of claims started is remembered this long (Retry-After)
CLAIM_QUEUE_GRACE_SECONDS = 5  # a firm in line not back this long after its Retry-After has left the line
CLAIM_QUEUE_FORGET_SECONDS = 600  # the line's keys expire this long after the last claim at the door

# The bureau dashboard's figures are computed at most once a minute per date range (the page says when).
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=60)
# Closed months come from the nightly rollup (supervision.DashboardMonth); every business day the job recomputes this
# many of the latest closed months (vouchers expire at year end, claims are decided and orders cancelled months
# after they began); older months are computed once.
DASHBOARD_ROLLUP_MONTHS = env.int("DASHBOARD_ROLLUP_MONTHS", default=24)

# Celery: with no broker configured, tasks run in-process (the embedded default of `make run`).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "hangqifu.core.scheduler:CodeOwnedScheduler"  # runs only the code-owned entries
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="hangqifu")
# One beat entry runs every registered daily job; each job reads the business clock and is idempotent.
CELERY_BEAT_SCHEDULE = {
    "run-due-jobs": {"task": "hangqifu.core.tasks.run_due_jobs", "schedule": 15 * 60},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="杭企服 <noreply@hangqifu.local>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hangqifu.accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "hangqifu.core.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "hangqifu.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "hangqifu.core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="120/min"),
        "user": env("THROTTLE_USER", default="1200/min"),
        "auth": env("THROTTLE_AUTH", default="20/min"),
        # anonymous complaints and objections, web and API, per client address
        "public_form": env("THROTTLE_PUBLIC_FORM", default="10/hour"),
    },
    "NUM_PROXIES": HANGQIFU_TRUSTED_PROXY_COUNT,
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
}
# The OpenAPI schema and docs: public in development, behind a login in production (production.py).
API_DOCS_PUBLIC = env.bool("HANGQIFU_API_DOCS_PUBLIC", default=True)
SPECTACULAR_SETTINGS = {
    "TITLE": "杭企服 API",
    "DESCRIPTION": (
        "杭州市中小微企业服务券平台公开接口（v1）。错误统一为 {\"code\",\"detail\",\"fields\"}。\n\n"
        "政策边界的稳定错误码（409）：\n\n"
        "- `policy_not_in_force`：《管理办法》第二十二条，自 2026-05-03 施行、有效期至 2028-12-31；有效期外不认定新资格、"
        "不设立资金和批次、不受理领券、下单和抵扣（兑付、结算、拨付不受影响）。\n"
        "- `credit_listed`：第六条，列入严重失信主体名单或失信被执行人名单（按办理当日有效的名单）的主体不能认定资格、"
        "领券、下单、抵扣；服务机构不能获批兑付或拨付。信用修复并登记移出后恢复。\n"
        "- `voucher_frozen`：年度资格暂停中，服务券冻结（不作废），恢复资格后在有效期内可继续使用。\n"
        "- `year_mismatch`：服务券只能抵扣同一年度的订单（不跨年度）。"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
}

# Content Security Policy without 'unsafe-inline': every script and style is a file under static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}
