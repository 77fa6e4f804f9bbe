"""Settings for the NAP 1325 portal, read from the environment.

Every value a deployment may change comes from an environment variable (documented in
`.env.example`); the defaults give a working development portal on an SQLite file.
"""

import datetime
import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from operations.dbconfig import cache_config, database_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        # A guessable key in production would let anyone forge sessions.
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # modeltranslation must come before django.contrib.admin to patch its forms.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_countries",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "accounts",
    "indicators",
    "reporting",
    "exchange",
    "public",
    "reports",
    "workspace",
    "notifications",
    "coordination",
    "api",
    "operations",
    "audit",
    "synthetic",
]

MIDDLEWARE = [
    # Outermost: the request id covers every log line, and refusals by any layer are audited.
    "audit.middleware.AuditMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files straight after the security headers, before sessions and the database.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # A database outage in any view: the friendly 503 page with Retry-After, not a 500.
    "operations.middleware.DatabaseUnavailableMiddleware",
    # Public GET requests may read published data from the replica (DATABASE_REPLICA_URL).
    "operations.routers.ReplicaReadsMiddleware",
    # Anonymous public pages and API answers from the cache, before sessions and the view.
    "public.caching.PublicCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After OTPMiddleware: the 12-hour limit, then no protected page without the second factor.
    "accounts.middleware.SessionLimitMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "napportal.urls"
WSGI_APPLICATION = "napportal.wsgi.application"

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
                "accounts.context_processors.work_links",
            ],
        },
    },
]

# Connection handling (persistent connections or a psycopg pool, timeouts): see
# operations/dbconfig.py and docs/deployment.md.
_DATABASE_OPTIONS = {
    "conn_max_age": env_int("DATABASE_CONN_MAX_AGE", 0),
    "connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 3),
    "pool_min": env_int("DATABASE_POOL_MIN", 0),
    "pool_max": env_int("DATABASE_POOL_MAX", 0),
    "pool_timeout": env_int("DATABASE_POOL_TIMEOUT", 3),
    "statement_timeout_ms": env_int("DATABASE_STATEMENT_TIMEOUT", 0),
}
DATABASES = {
    "default": database_config(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), **_DATABASE_OPTIONS
    )
}
# A read replica for the public pages (operations/routers.py); without it all goes to default.
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database_config(env_str("DATABASE_REPLICA_URL"), **_DATABASE_OPTIONS)
DATABASE_ROUTERS = ["operations.routers.ReplicaRouter"]
# Redis shared by all web containers when CACHE_URL (or REDIS_URL) is set, else in-process.
CACHES = {"default": cache_config(env_str("CACHE_URL") or env_str("REDIS_URL"))}

# Background work (the report to parliament, issue #4): django-tasks with its database backend;
# `manage.py db_worker` runs the tasks (the `worker` service in docker-compose.yml).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Where `manage.py backup` writes its archives unless told otherwise (docs/operations.md).
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(BASE_DIR / "var" / "backups")))
# /health/ (operations/health.py) reports the queue as failing once a task has waited longer.
HEALTH_QUEUE_MAX_WAIT = env_int("HEALTH_QUEUE_MAX_WAIT", 600)
# Load balancers probe /health/ over plain HTTP inside the network: answer, do not redirect.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out username and address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# A URL name, reversed in the language of the login page, so the language survives logging in.
LOGIN_REDIRECT_URL = "public:home"
LOGOUT_REDIRECT_URL = "public:home"

# --- security baseline (issue #6; `manage.py check --deploy --fail-level WARNING` passes) ------
# HTTPS: everything defaults to the safe value whenever DEBUG is off.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Behind a TLS-terminating proxy: the header it sets (e.g. X-Forwarded-Proto) to say "https".
# Only set it when the proxy always overwrites that header, or clients could fake https.
_proxy_ssl_header = env_str("SECURE_PROXY_SSL_HEADER")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: forms carry the token, static/js/session.js reads a <meta>.
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp 4): no inline script anywhere (templates load static JS).
# Quill and the admin set styles through the DOM (element.style), which style-src allows.
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
    },
}

# Sessions end after SESSION_IDLE_SECONDS without a request (requests restart the clock, see
# accounts/sessions.py) and SESSION_MAX_SECONDS after logging in, whatever happens.
# static/js/session.js warns SESSION_WARNING_SECONDS before the end and offers to stay.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_MAX_SECONDS = env_int("SESSION_MAX_SECONDS", 12 * 60 * 60)
SESSION_WARNING_SECONDS = env_int("SESSION_WARNING_SECONDS", 120)

# Two-factor login (django-otp, TOTP): required for everyone who can see unpublished data.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "NAP 1325 portal")

# Login throttling (django-axes): a username is locked from one address after AXES_FAILURE_LIMIT
# failures, for AXES_COOLOFF_MINUTES, with an HTTP 429 page; never for good.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
# Lock-outs and refused requests are in the audit log; no line per successful login here.
AXES_VERBOSE = False
# Behind TRUSTED_PROXIES, the client's address comes from X-Forwarded-For (accounts/security.py).
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"

# Dutch is the default language; every interface string and every translatable model field
# exists in these three languages.
LANGUAGE_CODE = "nl"
LANGUAGES = [
    ("nl", _("Dutch")),
    ("en", _("English")),
    ("fr", _("French")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Europe/Amsterdam")
USE_TZ = True

MODELTRANSLATION_DEFAULT_LANGUAGE = "nl"
MODELTRANSLATION_LANGUAGES = ("nl", "en", "fr")
# Per-plan fallback (to the plan's own language) is done by `indicators.i18n`; this global
# order only decides what plain attribute access returns when the active language is empty.
MODELTRANSLATION_FALLBACK_LANGUAGES = ("nl", "en", "fr")

# Regional bodies that publish their own action plans, next to ISO 3166 countries.
COUNTRIES_OVERRIDE = {
    "EU": _("European Union"),
    "NATO": _("North Atlantic Treaty Organization"),
    "AU": _("African Union"),
    "ECOWAS": _("Economic Community of West African States"),
    "OSCE": _("Organization for Security and Co-operation in Europe"),
}

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Hashed, compressed static files served by whitenoise in production (needs collectstatic);
# plain files with DEBUG on, so a checkout runs without collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@nap1325.localhost")
# EMAIL_URL switches to SMTP: smtp://user:password@host:25, smtp+tls://...:587 (STARTTLS) or
# smtp+ssl://...:465; characters such as @ in the password are %-encoded. It wins over
# EMAIL_BACKEND. A misspelt scheme stops the start-up instead of silently printing mail.
EMAIL_URL = env_str("EMAIL_URL")
if EMAIL_URL:
    _email = environ.Env.email_url_config(EMAIL_URL)
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
    EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
    EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
    EMAIL_PORT = _email["EMAIL_PORT"] or (465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25)
# Seconds before a stalled mail server gives up, so a request or cron run never hangs on it.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)

REST_FRAMEWORK = {
    # Closed by default: every endpoint states its own permissions.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# The open data API (api/): anonymous clients get this many requests per IP address, e.g.
# "120/minute" or "5000/day"; empty switches the limit off.
API_ANON_THROTTLE_RATE = env_str("API_ANON_THROTTLE_RATE", "120/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "NAP 1325 portal open data API",
    "DESCRIPTION": (
        "Read-only data of the public national action plans on Women, Peace and Security: "
        "plans, goals, subgoals, indicators, organisations and published progress entries. "
        "Texts come in the language of `?lang=` or the Accept-Language header."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/",
    # Swagger UI from drf-spectacular-sidecar: served by the portal, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "IndicatorKindEnum": "indicators.models.Indicator.Kind",
        "OrganisationKindEnum": "indicators.models.Organisation.Kind",
        "PillarEnum": "indicators.models.Pillar",
    },
}

# LOG_FORMAT=json (the default in production) writes one JSON object a line for a log collector;
# text is for reading during development. Every line carries the request id (audit/logging.py).
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "audit.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "audit.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers would write its lines a second time, unformatted.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Audit events (audit/recorder.py): written whatever LOG_LEVEL says. They are always
        # stored in the database; in text (development) format the console leaves them out
        # unless AUDIT_LOG_LEVEL=INFO, or loading the demo prints a thousand lines.
        "audit": {
            "handlers": ["console"],
            "level": env_str("AUDIT_LOG_LEVEL", "INFO" if LOG_FORMAT == "json" else "WARNING"),
            "propagate": False,
        },
    },
}
# Proxies (addresses or networks) whose X-Request-ID header is kept as the request id.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

# Opt in to Django 6's https default for URL fields typed without a scheme.
FORMS_URLFIELD_ASSUME_HTTPS = True

# Reminders for the yearly data call (`manage.py send_reminders`, daily from cron): mail the
# organisations with unfinished work this many days before the deadline, daily once overdue,
# and tell the plan's coordinators once an organisation is ESCALATE_AFTER_DAYS days overdue.
try:
    REMINDER_DAYS_BEFORE = sorted(
        {int(days) for days in env_list("REMINDER_DAYS_BEFORE", "14,7,1")}, reverse=True
    )
except ValueError as exc:
    raise ImproperlyConfigured(
        "REMINDER_DAYS_BEFORE must be comma-separated whole numbers, e.g. 14,7,1"
    ) from exc
if any(days < 0 for days in REMINDER_DAYS_BEFORE):
    raise ImproperlyConfigured("REMINDER_DAYS_BEFORE cannot hold negative numbers of days.")
ESCALATE_AFTER_DAYS = env_int("ESCALATE_AFTER_DAYS", 3)
if ESCALATE_AFTER_DAYS < 1:
    raise ImproperlyConfigured("ESCALATE_AFTER_DAYS must be 1 or more.")
# Where the portal is reached, for the links in mails (no request to take the host from).
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- public portal (issue #5) ---------------------------------------------------------------
# Rendered public pages are cached for anonymous visitors, keyed on a publication stamp (see
# public/caching.py); 0 switches the cache off. Use a shared cache (CACHES) with several workers.
PUBLIC_PAGE_CACHE_TIMEOUT = env_int("PUBLIC_PAGE_CACHE_TIMEOUT", 600)
# Seconds each process remembers the publication stamp, so a cached page needs no query; a
# publish shows at once with a shared cache, other changes to published data within this time.
PUBLIC_STAMP_TTL = env_int("PUBLIC_STAMP_TTL", 2)
# Shown on the accessibility and privacy statements, if set.
PUBLIC_CONTACT_EMAIL = env_str("PUBLIC_CONTACT_EMAIL", "")
