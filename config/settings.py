"""Settings for the NAP-WPS reporting portal, read from environment variables.

With no variables set the portal runs on the embedded default: a SQLite file in the project,
Celery tasks executed eagerly in the web process, and e-mail printed to the console.
See `.env.example` for every variable.
"""

import datetime
import sys
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}."
    )
PRODUCTION = DJANGO_ENV == "production"


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production.")
    return value


if PRODUCTION:
    SECRET_KEY = _required("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS").split(",") if h.strip()]
    DEBUG = env.bool("DJANGO_DEBUG", default=False)
else:
    # A fixed key is safe only because development and test never hold real data.
    SECRET_KEY = env.str(
        "DJANGO_SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production"
    )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
    DEBUG = env.bool("DJANGO_DEBUG", default=DJANGO_ENV == "development")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Services ---------------------------------------------------------------------------------


def _database_from_env() -> dict:
    url = env.str("DATABASE_URL", default="")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.str("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a PostgreSQL or SQLite URL (scheme {scheme!r}); "
            "expected postgres://user:password@host:5432/name."
        )
    try:
        config = environ.Env.db_url_config(url)
    except Exception as exc:
        raise ImproperlyConfigured(f"DATABASE_URL could not be parsed: {exc}") from exc
    if scheme != "sqlite" and not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL names no database (postgres://host:5432/NAME).")
    if config["ENGINE"].endswith("postgresql"):
        config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
        config["CONN_HEALTH_CHECKS"] = True
    return config


def _redis_url_from_env() -> str:
    url = env.str("REDIS_URL", default="")
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ImproperlyConfigured(
            "REDIS_URL is not a Redis URL; expected redis://[:password@]host:6379/0."
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise ImproperlyConfigured(f"REDIS_URL has an invalid port: {exc}") from exc
    return url


DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
REDIS_URL = _redis_url_from_env()

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------------------------

CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Tasks must finish well inside the broker's visibility timeout, or Redis hands them out twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up quickly when the broker is down: the database keeps what must be redone.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"

# --- Summaries -------------------------------------------------------------------------------

# Published figures hide (as "x") a non-zero count below this, and every cell that would tell it.
SUMMARY_MIN_CELL = env.int("SUMMARY_MIN_CELL", default=5)
if SUMMARY_MIN_CELL < 1:
    raise ImproperlyConfigured("SUMMARY_MIN_CELL must be 1 or more.")
# A national or yearly figure from fewer organisations than this share of those expected to report
# is marked provisional.
SUMMARY_PROVISIONAL_COVERAGE = env.float("SUMMARY_PROVISIONAL_COVERAGE", default=0.8)

# --- Applications -----------------------------------------------------------------------------

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "simple_history",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal",
    "indicators",
    "reports",
    "summaries",
]

MIDDLEWARE = [
    # First, so that it times every request, static files and refusals included.
    "portal.observability.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.AuditContextMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.SessionTimeoutMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "portal.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.NoStoreMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees the outcome of every other middleware (AxesMiddleware's rule).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "reports.context_processors.navigation",
            ],
        },
    },
]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Authentication ---------------------------------------------------------------------------

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out username and address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2 for every new or changed password; older hashes are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "portal.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    # Django's common passwords and the Vietnamese ones (portal/common_passwords_vi.txt).
    {"NAME": "portal.passwords.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "portal_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files -----------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
# Part of the offline service worker's version (with the hashes of the files it caches): change it
# to make every device drop its offline cache at the next visit.
OFFLINE_APP_VERSION = env.str("OFFLINE_APP_VERSION", default="1")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"

# --- E-mail -----------------------------------------------------------------------------------

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
# Where links in e-mails point to: the one setting every link is built from. By default the
# development server on PORT (`make run` passes both on); in production the public address.
PORTAL_BASE_URL = env.str(
    "PORTAL_BASE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}"
).rstrip("/")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="NAP-WPS portal <no-reply@localhost>")

# --- Deadline reminders (reports.reminders) ---------------------------------------------------
# Reporters of an organisation that owes a report are reminded this many days before the
# deadline, on the deadline's day, and this many days after it; a reminder the daily job missed
# (it did not run) still goes this many days late, never once the next one is due.
REMINDER_DAYS_BEFORE = env.int("REMINDER_DAYS_BEFORE", default=7)
REMINDER_DAYS_OVERDUE = env.int("REMINDER_DAYS_OVERDUE", default=7)
REMINDER_CATCH_UP_DAYS = env.int("REMINDER_CATCH_UP_DAYS", default=3)
if min(REMINDER_DAYS_BEFORE, REMINDER_DAYS_OVERDUE, REMINDER_CATCH_UP_DAYS) < 1:
    raise ImproperlyConfigured(
        "REMINDER_DAYS_BEFORE, REMINDER_DAYS_OVERDUE and REMINDER_CATCH_UP_DAYS must be 1 or more."
    )

# --- Security ---------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
# Absolute lifetime of a login, whatever the activity, and the idle timeout, in seconds.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
CSRF_COOKIE_HTTPONLY = True

# Brute force: 5 failures for the same e-mail from the same address lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Password spraying: 20 failures from one address, whatever the e-mails, lock that address for
# the same cool-off. Higher than the per-account limit: an office shares one address. axes has one
# limit for all its lockout parameters, so the portal's handler counts this one itself.
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
if LOGIN_ADDRESS_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        "LOGIN_ADDRESS_FAILURE_LIMIT must be at least AXES_FAILURE_LIMIT "
        f"({AXES_FAILURE_LIMIT}): it counts the failures of every e-mail from one address."
    )
AXES_RESET_ON_SUCCESS = True
# The lock lasts the cool-off from when it began; attempts during it do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "portal.security.AddressLimitedAxesHandler"
AXES_USERNAME_CALLABLE = "portal.security.login_username"
AXES_LOCKOUT_CALLABLE = "portal.views.locked_out"
AXES_VERBOSE = False
# The client address (lockouts and the audit log): REMOTE_ADDR, or, behind that many trusted
# proxies, the X-Forwarded-For entry the outermost one appended; never one the client wrote.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "portal.security.client_ip"

# Two-factor: TOTP (with backup codes) required for reviewers and admins, optional for reporters.
OTP_TOTP_ISSUER = "NAP-WPS"
# After the n-th wrong code in a row, a device refuses every code (the right one too) for
# factor * 2^(n-1) seconds: 1, 2, 4, ... 512 s after the tenth. Backup codes alike.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The Django admin never shows a device's secret (TOTP key, its QR code, backup codes).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- REST API (/api/v1/) -----------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api_core.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["portal.api_core.ApiRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "portal.api_core.ApiPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Forms too, so that a session's POST reaches the CSRF check (which reads the form) and is
    # refused there; the serializers validate whatever arrives.
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api_core.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per user (or per address, anonymous) and period; counted in the default cache.
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="300/minute")
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
SPECTACULAR_SETTINGS = {
    "TITLE": "NAP-WPS reporting portal API",
    "DESCRIPTION": "Reports, catalogue, releases and completeness of the NAP-WPS portal.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {"PillarEnum": "indicators.models.Pillar"},
}

# Content-Security-Policy: everything from the portal itself, no inline script, no other origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Probes from inside the compose network speak plain HTTP to gunicorn: the container's
    # health check and the metrics scraper. Neither carries a session cookie (those are Secure).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' preload list is hard to undo: the operator opts in explicitly.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

# --- Logging ----------------------------------------------------------------------------------

# A management command (seed_demo, aggregate, ...) prints its own results; the audit rows it
# writes are in the database, so its log shows audit lines only from WARNING (refusals) unless
# AUDIT_LOG_LEVEL says otherwise. The web process and the workers log every audit line.
_COMMAND = sys.argv[1] if len(sys.argv) > 1 and Path(sys.argv[0]).name == "manage.py" else ""
AUDIT_LOG_LEVEL = env.str(
    "AUDIT_LOG_LEVEL", default="WARNING" if _COMMAND not in {"", "runserver"} else "INFO"
)

# plain (default) or json: one JSON object per line, for a log collector (web, worker and beat;
# gunicorn's own logs too, see config/gunicorn.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "portal.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "portal.audit": {"level": AUDIT_LOG_LEVEL},
        # WeasyPrint logs every layout step of the annual report at INFO; its warnings matter.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "matplotlib": {"level": "WARNING"},
    },
}

# --- DHIS2 -------------------------------------------------------------------------------------

# Pushing a release to a DHIS2 server (POST /api/dataValueSets, a dry run first) is off unless
# DHIS2_URL is set. Authenticate with a personal access token (DHIS2 2.37+; sent as
# "Authorization: ApiToken ...") or, without one, a user name and password (HTTP basic).
DHIS2_URL = env.str("DHIS2_URL", default="")
DHIS2_TOKEN = env.str("DHIS2_TOKEN", default="")
DHIS2_USERNAME = env.str("DHIS2_USERNAME", default="")
DHIS2_PASSWORD = env.str("DHIS2_PASSWORD", default="")
DHIS2_TIMEOUT = env.float("DHIS2_TIMEOUT", default=60.0)
if DHIS2_URL and not (DHIS2_TOKEN or DHIS2_USERNAME):
    raise ImproperlyConfigured("DHIS2_URL needs DHIS2_TOKEN, or DHIS2_USERNAME and DHIS2_PASSWORD.")

# --- Monitoring -------------------------------------------------------------------------------

# /metrics answers a scraper presenting this bearer token, and administrators who are logged in
# with two-factor authentication; with no token, administrators only.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# Errors of the web, the worker and beat go to Sentry when a DSN is set, without personal data:
# no request bodies, cookies, query strings, local variables or users (portal.observability).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from portal.observability import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=DJANGO_ENV),
        release=env.str("SENTRY_RELEASE", default="") or None,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
