"""Settings for the NAP 1325 portal, read from the environment.

Every value a deployment may change comes from an environment variable (documented in
`.env.example`); the defaults give a working development portal on an SQLite file.
"""

import os
from pathlib import Path

import dj_database_url
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

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
    "simple_history",
    "accounts",
    "indicators",
    "reporting",
    "exchange",
    "public",
    "reports",
    "workspace",
    "notifications",
    "coordination",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
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
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

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
