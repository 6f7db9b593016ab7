"""Settings for the order management platform.

Everything that differs between a developer's laptop and production comes from
environment variables (parsed by django-environ). With no variables set the
project runs in its embedded dev mode: SQLite, Celery tasks executed eagerly
in-process, e-mail printed to the console — no other service needed.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_HASHES
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-dev-only-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="") or (_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off")

# Personal data encrypted at rest (ordermgmt/encryption.py, README "Personal data"): AES-256-GCM
# keys, comma-separated, the first encrypts and all decrypt (rotation: put the new key first,
# run `manage.py encryption_rotate`, then drop the old one); and the separate HMAC key of the
# blind indexes that find a phone number again. Production refuses to start without them; dev
# and tests derive fixed dev-only keys so that `make run` and `make test` need nothing.
def _dev_only_key(purpose: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(f"ordermgmt dev-only {purpose} key".encode()).digest()).decode()


FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[]) or (
    [_dev_only_key("field-encryption")] if DEBUG else []
)
FIELD_BLIND_INDEX_KEY = env.str("FIELD_BLIND_INDEX_KEY", default="") or (
    _dev_only_key("blind-index") if DEBUG else ""
)
if not FIELD_ENCRYPTION_KEYS or not FIELD_BLIND_INDEX_KEY:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS and FIELD_BLIND_INDEX_KEY must be set in the environment when DEBUG is off")
def _is_key(text: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(text.strip().encode())) == 32
    except ValueError:
        return False


for _key in [*FIELD_ENCRYPTION_KEYS, FIELD_BLIND_INDEX_KEY]:
    if not _is_key(_key):
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS / FIELD_BLIND_INDEX_KEY: each key must be 32 random bytes in base64url "
            "(python manage.py encryption_rotate --generate-key prints one)"
        )
if not DEBUG and _dev_only_key("field-encryption") in FIELD_ENCRYPTION_KEYS[:1]:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS: the dev-only key must not encrypt production data")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_celery_beat",
    "import_export",
    "axes",
    "csp",
    # Server-side pickers (ordermgmt/pickers.py): the autocomplete-light web component,
    # its script and style served from static like ours.
    "dal",
    "dal_alight",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ordermgmt",
    "customers",
    "inventory",
    "purchasing",
    "orders",
    "fulfillment",
    "aftersales",
    "integrations",
    "servicedesk",
    "finance",
    "reports",
]

# (issue 21 adds the probes, request ids, request metrics and read-your-writes around this
# list in its block at the end of this file.)
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Policies, price rules and notice templates read once per request.
    "ordermgmt.scoped_cache.CacheScopeMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ordermgmt.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the two-step code (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Master-data history (django-simple-history) names the signed-in user who made a change
    # that a service did not attribute itself.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ordermgmt.middleware.SessionIdleTimeoutMiddleware",
    "ordermgmt.middleware.RequireTwoFactorMiddleware",
    "ordermgmt.middleware.NoStoreWhenSignedInMiddleware",
    # Last, as django-axes asks: turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ordermgmt.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ordermgmt.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "ordermgmt.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for each other instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Covering indexes (INCLUDE) exist for PostgreSQL; SQLite builds them as plain indexes.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

AUTHENTICATION_BACKENDS = [
    # First: refuses any login, even with the right password, while its username + address is locked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "login"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Redis, cache and Celery -------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="ordermgmt")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict = {
    # Domain events: after-commit listeners whose delivery is due again (retry back-off
    # passed, a worker died holding it, or the broker was down when it was queued).
    "ordermgmt-redeliver-due-events": {
        "task": "ordermgmt.redeliver_due_events",
        "schedule": 60,
    },
    # Last month's order review, built, stored and mailed to 主管 and 数据分析师.
    "monthly-order-report": {
        "task": "reports.tasks.send_monthly_report",
        "schedule": crontab(minute=0, hour=8, day_of_month=1),
    },
    # Personal data past its keeping time (业务规则 → 个人信息) anonymised; amounts stay.
    "orders-apply-retention": {
        "task": "orders.tasks.apply_retention",
        "schedule": crontab(minute=0, hour=3, day_of_month=2),
    },
    # Fulfillment: flag late or silent shipments, poll carriers, resend overdue notices.
    # Synced into django-celery-beat's tables when beat starts; intervals stay editable in the admin.
    "fulfillment-detect-shipment-exceptions": {
        "task": "fulfillment.tasks.detect_shipment_exceptions",
        "schedule": 30 * 60,
    },
    "fulfillment-poll-carriers": {
        "task": "fulfillment.tasks.poll_carriers",
        "schedule": 15 * 60,
    },
    "fulfillment-requeue-notifications": {
        "task": "fulfillment.tasks.requeue_notifications",
        "schedule": 5 * 60,
    },
    # After-sales cases past their due time (7 / 3 working days) are flagged for the queue.
    "aftersales-flag-overdue-cases": {
        "task": "aftersales.tasks.flag_overdue_cases",
        "schedule": 60 * 60,
    },
    # Webhook deliveries whose retry is due (or whose queueing failed).
    "integrations-dispatch-due-webhooks": {
        "task": "integrations.dispatch_due_webhooks",
        "schedule": 60,
    },
    # Idempotency keys past their keeping time, API call logs past theirs.
    "integrations-purge-expired": {
        "task": "integrations.purge_expired",
        "schedule": 60 * 60,
    },
    # Service desk: orders past their stage's dwell-time threshold (working time) flagged and
    # their people told; complaints past their due time escalated to the 主管; the daily
    # e-mail digest of staff notifications.
    "servicedesk-refresh-stage-flags": {
        "task": "servicedesk.tasks.refresh_stage_flags",
        "schedule": 5 * 60,
    },
    "servicedesk-escalate-overdue-complaints": {
        "task": "servicedesk.tasks.escalate_overdue_complaints",
        "schedule": 10 * 60,
    },
    "servicedesk-notification-digests": {
        "task": "servicedesk.tasks.send_notification_digests",
        "schedule": crontab(minute=30, hour=8),
    },
    # Purchasing (issue 19): supplier qualifications about to expire told to 主管 and 采购;
    # replenishment proposals for products below their reorder point.
    "purchasing-warn-expiring-qualifications": {
        "task": "purchasing.tasks.warn_expiring_qualifications",
        "schedule": crontab(minute=0, hour=7),
    },
    "purchasing-propose-replenishment": {
        "task": "purchasing.tasks.propose_replenishment",
        "schedule": crontab(minute=15, hour=6),
    },
}

# Domain events (ordermgmt.domain_events): attempts of an after-commit listener, the wait
# between them (doubling from the base, capped), and how long a worker may hold one.
EVENT_MAX_ATTEMPTS = env.int("EVENT_MAX_ATTEMPTS", default=8)
EVENT_RETRY_BASE_SECONDS = env.int("EVENT_RETRY_BASE_SECONDS", default=30)
EVENT_RETRY_MAX_SECONDS = env.int("EVENT_RETRY_MAX_SECONDS", default=3600)
EVENT_CLAIM_SECONDS = env.int("EVENT_CLAIM_SECONDS", default=600)

# --- E-mail ------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="ordermgmt.mail.ConsoleEmailBackend")  # dev: printed masked
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="订单平台 <noreply@example.com>")

# --- Login lockout (django-axes) -----------------------------------------------
# After this many wrong passwords for one username from one address, that pair cannot log in
# (not even with the right password) until the cool-off has passed since its last attempt, or
# a 主管 unlocks it in the admin (平台 → 登录锁定). Both login forms, the portal's and the admin's.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "ordermgmt.http.client_ip"
AXES_LOCKOUT_CALLABLE = "ordermgmt.views.login_locked_out"
# Failed attempts are what we need; a row per successful login would only grow.
AXES_DISABLE_ACCESS_LOG = True
# Log lines name the username and address of a failure, not the browser's user agent.
AXES_VERBOSE = False
# The lockouts are shown in Chinese by ordermgmt's admin (LoginLockout), not axes' own pages.
AXES_ENABLE_ADMIN = False

# --- Two-step sign-in (django-otp, TOTP) and the demo accounts -----------------------------
# The roles (ordermgmt.roles; 超级管理员 = a superuser) that must confirm every login with a code
# from an authenticator app; anyone else may turn it on from their own page (ordermgmt.two_factor).
# Read once at start-up, like DEMO_DATA_ALLOWED: a test run switches DEBUG off at run time.
# Orders per transaction in the batch paths (review, allocation of waiting orders).
ORDER_BATCH_CHUNK_SIZE = env.int("ORDER_BATCH_CHUNK_SIZE", default=250)
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=[] if DEBUG else ["主管", "超级管理员"])
OTP_TOTP_ISSUER = "客户订单管理平台"
# Demo data and the demo password (ordermgmt.demo): development only. In production seed_demo
# refuses to run and a login with the demo password is refused (ordermgmt.sign_in).
DEMO_DATA_ALLOWED = DEBUG

# --- Security (production) ---------------------------------------------------
# A signed-in session lasts as long as the idle time a 主管 sets (ordermgmt.policies,
# SESSION_IDLE_HOURS, refreshed by SessionIdleTimeoutMiddleware); this is its start value.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # The API is not redirected to HTTPS (a client would send its token in clear, then follow a
    # redirect that turns its POST into a GET): it refuses plain HTTP itself (API_REQUIRE_HTTPS).
    SECURE_REDIRECT_EXEMPT = [r"^api/v1/(?!docs/|schema/)"]



def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


# Content-Security-Policy on every response (django-csp): everything from this site only, and
# scripts and styles only from our static files (no inline <script>, on…= handler, javascript:
# URL or style="…"), so that text a user typed never runs even where a template forgot to escape
# it. Private uploads are streamed with a stricter policy of their own (ordermgmt.uploads).
# The admin's export page (django-import-export) carries one inline handler and two style
# attributes: exactly those are allowed, by hash. Django's debug pages (DEBUG, 404/500) are exempt.
_IMPORT_EXPORT_INLINE_SCRIPT = ["onSelectToggleChange(event)"]
_IMPORT_EXPORT_INLINE_STYLES = ["padding: 0;", "font-weight: bold;"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_HASHES, *map(_csp_hash, _IMPORT_EXPORT_INLINE_SCRIPT)],
        "style-src": [SELF, UNSAFE_HASHES, *map(_csp_hash, _IMPORT_EXPORT_INLINE_STYLES)],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_personal_data": {"()": "ordermgmt.logfilters.MaskPersonalData"},
        "refusals_on_one_line": {"()": "ordermgmt.logfilters.RefusalsOnOneLine"},
    },
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["refusals_on_one_line", "mask_personal_data"]},
        # runserver's access log, one line per request, as Django prints it by default.
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "filters": ["mask_personal_data"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default configuration gives "django" a console handler of its own that
        # prints with DEBUG on, and the record then reaches root's too: every 4xx came out
        # twice. Django's records now go through root's handler only.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # axes reports every lookup at INFO; its warnings (a failure, a lockout) are what matter.
        "axes": {"level": "WARNING"},
        # weasyprint (statement PDFs) narrates each rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Business settings ---------------------------------------------------------
ORDER_LIST_PAGE_SIZE = 20
# The working day for everything counted in working time (stage thresholds, complaint due
# times), in TIME_ZONE, on the working days of the calendar (ordermgmt.workdays). A setting,
# not a policy: it is the company's opening hours, read by every such calculation.
WORKING_DAY_HOURS = (env.str("WORKING_DAY_START", default="09:00"), env.str("WORKING_DAY_END", default="18:00"))

# --- Fulfillment: logistics, uploads, tracking page, notifications ---------------------
# Absolute base of links sent to customers (the signed tracking link in e-mails and SMS).
# Unset in dev: the address `make run` serves (it passes HOST as RUNSERVER_ADDRESS).
def _dev_site_url(address: str) -> str:
    host, _, port = address.rpartition(":")
    if host in ("", "0.0.0.0", "[::]", "::"):
        host = "127.0.0.1"  # a port alone, or every interface: the address that works on this machine
    return f"http://{host}:{port}"


SITE_URL = (env.str("SITE_URL", default="") or _dev_site_url(env.str("RUNSERVER_ADDRESS", default="127.0.0.1:8000"))).rstrip("/")
# A shipment with no logistics event for this many days is flagged 疑似丢件.
FULFILLMENT_LOSS_AFTER_DAYS = env.int("FULFILLMENT_LOSS_AFTER_DAYS", default=3)
# Production orders raised automatically are planned to finish this many days out.
PRODUCTION_DEFAULT_LEAD_DAYS = env.int("PRODUCTION_DEFAULT_LEAD_DAYS", default=7)
# Delivery-proof photos and signatures: images only, checked by content.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
# Recordings attached to a complaint (a call, a voice message): checked by their audio signature.
UPLOAD_MAX_RECORDING_BYTES = env.int("UPLOAD_MAX_RECORDING_BYTES", default=20 * 1024 * 1024)
UPLOAD_MAX_FILES = 6
# Carriers' poller implementations, by the key chosen on each carrier.
CARRIER_POLLERS = {
    "fake": "fulfillment.carriers.fake.FakeCarrierPoller",
}

# The client's address for every per-client limit (tracking page, carrier endpoint, login
# lockout), read by one function. Behind a proxy set RATELIMIT_IP_META_KEY to the header it
# sets, e.g. HTTP_X_REAL_IP, so that limits apply per client, not per proxy.
CLIENT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="") or "REMOTE_ADDR"
# Public tracking page and carrier endpoint. django-ratelimit counts in the default cache:
# local memory in dev, Redis (shared by every gunicorn worker) in production.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "ordermgmt.http.client_ip"
TRACKING_RATE_LIMIT = env.str("TRACKING_RATE_LIMIT", default="10/10m")
# Wrong pairs on one order number beyond this raise an alert (logged warning); they never lock
# the number, so a stranger cannot keep its customer out.
TRACKING_NUMBER_ALERT_RATE = env.str("TRACKING_NUMBER_ALERT_RATE", default="30/h")
CARRIER_API_RATE_LIMIT = env.str("CARRIER_API_RATE_LIMIT", default="600/m")
TRACKING_LINK_MAX_AGE_DAYS = env.int("TRACKING_LINK_MAX_AGE_DAYS", default=90)
# Complaints filed and answered on the public pages, per client address.
COMPLAINT_RATE_LIMIT = env.str("COMPLAINT_RATE_LIMIT", default="10/h")

# Notifications. SMS goes through the backend named here: console (dev), file, or the HTTP gateway.
SMS_BACKEND = env.str("SMS_BACKEND", default="fulfillment.notifications.sms.ConsoleSmsBackend")
SMS_FILE_PATH = env.path("SMS_FILE_PATH", default=BASE_DIR / "sent_sms")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_GATEWAY_SIGN = env.str("SMS_GATEWAY_SIGN", default="订单平台")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=10.0)
# Attempts per message before it is marked 发送失败 for staff; waits double from the base.
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=6)
NOTIFY_RETRY_BASE_SECONDS = env.float("NOTIFY_RETRY_BASE_SECONDS", default=60.0)
NOTIFY_RETRY_MAX_SECONDS = env.float("NOTIFY_RETRY_MAX_SECONDS", default=3600.0)

# --- Integrations: the REST API, webhooks, payment-platform callbacks ------------------------
# Token auth only (``Authorization: Bearer …``), JSON only, one error shape
# (integrations.api.errors), rate limits per client in the shared cache.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["integrations.api.auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["integrations.api.auth.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["integrations.api.auth.ClientRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "integrations.api.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "客户订单管理平台 API",
    "DESCRIPTION": "",  # filled in by integrations.api.schema (one text with the README's)
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PREPROCESSING_HOOKS": ["integrations.api.schema.only_the_api"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "integrations.api.schema.describe",
    ],
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.states.OrderStatus",
        "PaymentMethodEnum": "orders.states.PaymentMethod",
    },
}
# Plain HTTP is refused by the API in production (the token would travel in clear).
API_REQUIRE_HTTPS = env.bool("API_REQUIRE_HTTPS", default=not DEBUG)
# Largest request body the API reads (a batch of 500 orders is well below it).
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=2 * 1024 * 1024)
API_DEFAULT_RATE_LIMIT = env.str("API_DEFAULT_RATE_LIMIT", default="120/m")
API_BATCH_MAX_ORDERS = 500
# Idempotency keys are kept this long per client; a retry arriving while the first request
# runs waits up to API_IDEMPOTENCY_WAIT_SECONDS for its answer, then gets 409. A key whose
# request died (process killed) is taken over after API_IDEMPOTENCY_LOCK_SECONDS.
API_IDEMPOTENCY_KEY_DAYS = env.int("API_IDEMPOTENCY_KEY_DAYS", default=7)
API_IDEMPOTENCY_WAIT_SECONDS = env.float("API_IDEMPOTENCY_WAIT_SECONDS", default=10.0)
API_IDEMPOTENCY_LOCK_SECONDS = env.int("API_IDEMPOTENCY_LOCK_SECONDS", default=120)
API_CALL_LOG_DAYS = env.int("API_CALL_LOG_DAYS", default=90)
# Outgoing webhooks: attempts with waits doubling from the base up to the cap — with the
# defaults 15 attempts over about 32 hours — then the delivery is given up (and can be
# replayed). A subscriber failing this many attempts in a row, for at least this many hours,
# is disabled and its owner told.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=15)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
WEBHOOK_RETRY_MAX_SECONDS = env.float("WEBHOOK_RETRY_MAX_SECONDS", default=6 * 3600.0)
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=20)
WEBHOOK_DISABLE_AFTER_HOURS = env.float("WEBHOOK_DISABLE_AFTER_HOURS", default=24.0)
# Subscribers on private or loopback addresses (the office network, this machine): allowed in
# dev, refused in production so that an API client cannot make the server call inside.
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=DEBUG)
# Subscribers receive order data: over HTTPS only in production.
WEBHOOK_REQUIRE_HTTPS = env.bool("WEBHOOK_REQUIRE_HTTPS", default=not DEBUG)
# Payment-platform callbacks: the signed timestamp may differ from ours by this much.
PAYMENT_NOTIFY_TOLERANCE_SECONDS = 300
# Signatures seen within that window are kept in the shared cache under this prefix: an
# identical notification arriving again is a replay.
PAYMENT_NOTIFY_SEEN_CACHE_PREFIX = "payment-notify-seen"
PAYMENT_NOTIFY_RATE_LIMIT = env.str("PAYMENT_NOTIFY_RATE_LIMIT", default="600/m")


# =====================================================================================
# --- issue 21: production operations (probes, request ids and JSON logs, metrics,
# --- read replica, graceful Celery). Kept in one block; it extends the lists above.
# =====================================================================================

# Health probes (ordermgmt.health) and metrics (ordermgmt.metrics) are answered first; the
# request id and the one log line per request come next (ordermgmt.logcontext); the request
# metrics of django-prometheus wrap everything else; read-your-writes pins a user who has just
# written to the primary database (ordermgmt.dbrouting).
MIDDLEWARE = [
    "ordermgmt.health.ProbeMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "ordermgmt.logcontext.RequestContextMiddleware",
    *MIDDLEWARE[:-1],
    "ordermgmt.dbrouting.ReadYourWritesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    MIDDLEWARE[-1],  # django-axes stays last
]

# Readiness: the least free space under MEDIA_ROOT before /health/ready/ answers 503.
HEALTH_MEDIA_MIN_FREE_MB = env.int("HEALTH_MEDIA_MIN_FREE_MB", default=500)

# /metrics answers only a scraper presenting this token (Authorization: Bearer …); unset, the
# endpoint does not exist (404).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_CACHE_SECONDS = env.float("METRICS_CACHE_SECONDS", default=10.0)

# Logs: LOG_FORMAT=json writes one JSON object per line (ordermgmt.logformat); every line
# carries the request id, user id and Celery task of ordermgmt.logcontext. REQUEST_LOG writes
# one line per request (on by default in JSON mode and in production; runserver prints its own).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
REQUEST_LOG = env.bool("REQUEST_LOG", default=LOG_FORMAT == "json" or not DEBUG)
LOGGING["filters"]["request_context"] = {"()": "ordermgmt.logcontext.RequestContextFilter"}
for _handler in LOGGING["handlers"].values():
    _handler["filters"] = ["request_context", *_handler["filters"]]
if LOG_FORMAT == "json":
    LOGGING["formatters"]["json"] = {"()": "ordermgmt.logformat.JsonLogFormatter"}
    LOGGING["handlers"]["console"]["formatter"] = "json"
    LOGGING["handlers"]["django.server"]["formatter"] = "json"
LOGGING["loggers"]["ordermgmt.requests"] = {"level": "INFO"}

# Read scaling: with DATABASE_REPLICA_URL set, heavy reads (reports, the dashboard, order-list
# searches, exports) go to that streaming replica (ordermgmt.dbrouting); writes, and every read
# of a user who wrote in the last REPLICA_PIN_SECONDS, stay on the primary.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=15)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"].get("CONN_MAX_AGE", 0)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    # Tests: the replica streams the primary's test database (created on the primary by the
    # test run, replicated like any other): the alias reads that database under the same name.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["ordermgmt.dbrouting.PrimaryReplicaRouter"]

# Graceful Celery: tasks are acknowledged after they finish (CELERY_TASK_ACKS_LATE above); a
# task whose worker process died is put back on the queue instead of being dropped, and a
# message taken by a worker that vanished (killed, machine lost) is delivered again after the
# visibility timeout — which must be longer than the longest task (an import, a report).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Workers look for such messages every CELERY_UNACKED_RESTORE_SECONDS (one small Redis query).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_SECONDS", default=60),
    "unacked_restore_throttle": 1,
}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Beat: only the process holding this Redis lock sends the schedule (ordermgmt.beat).
CELERY_BEAT_SCHEDULER = "ordermgmt.beat:SingleBeatScheduler"
BEAT_LOCK_SECONDS = env.int("BEAT_LOCK_SECONDS", default=30)
# Secure-only cookies when DEBUG is off; SECURE_COOKIES=false only for a production-like run on
# plain http://127.0.0.1 (make prod-local, the load test), never behind a real proxy.
if not DEBUG:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
# Key rotation: signatures made with an earlier SECRET_KEY (sessions, tracking links) stay valid
# while that key is listed here (README, runbook: Rotate keys).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# --- end issue 21 ---------------------------------------------------------------------
