"""Mail and reminder settings come from the environment; mistakes stop the start-up."""

import json
import os
import subprocess
import sys

from django.conf import settings

NAMES = [
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "DEFAULT_FROM_EMAIL",
    "REMINDER_DAYS_BEFORE",
    "ESCALATE_AFTER_DAYS",
    "PORTAL_BASE_URL",
]
SHOW = (
    "import json, django; django.setup(); from django.conf import settings; "
    f"print(json.dumps({{name: getattr(settings, name, None) for name in {NAMES!r}}}))"
)
VARIABLES = (
    "EMAIL_URL",
    "EMAIL_BACKEND",
    "DEFAULT_FROM_EMAIL",
    "REMINDER_DAYS_BEFORE",
    "ESCALATE_AFTER_DAYS",
    "PORTAL_BASE_URL",
)


def run_settings(**env):
    environment = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    environment.update(env, SECRET_KEY="x", DJANGO_SETTINGS_MODULE="napportal.settings")
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        env=environment,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )


def values(**env) -> dict:
    result = run_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults_print_mail_to_the_console_and_remind_14_7_and_1_days_before():
    config = values()
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert config["REMINDER_DAYS_BEFORE"] == [14, 7, 1]
    assert config["ESCALATE_AFTER_DAYS"] == 3
    assert config["PORTAL_BASE_URL"] == "http://127.0.0.1:8000"


def test_email_url_selects_smtp_with_credentials():
    config = values(
        EMAIL_URL="smtp://portal:s%40cret@mail.example.org:2525",
        DEFAULT_FROM_EMAIL="nap1325@example.org",
    )
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert config["EMAIL_HOST"] == "mail.example.org"
    assert config["EMAIL_PORT"] == 2525
    assert config["EMAIL_HOST_USER"] == "portal"
    assert config["EMAIL_HOST_PASSWORD"] == "s@cret"
    assert (config["EMAIL_USE_TLS"], config["EMAIL_USE_SSL"]) == (False, False)
    assert config["DEFAULT_FROM_EMAIL"] == "nap1325@example.org"


def test_smtp_tls_uses_starttls_on_the_submission_port():
    config = values(EMAIL_URL="smtp+tls://portal:pw@mail.example.org")
    assert config["EMAIL_USE_TLS"] is True
    assert config["EMAIL_USE_SSL"] is False
    assert config["EMAIL_PORT"] == 587


def test_smtp_ssl_uses_implicit_tls():
    config = values(EMAIL_URL="smtp+ssl://portal:pw@mail.example.org")
    assert (config["EMAIL_USE_TLS"], config["EMAIL_USE_SSL"]) == (False, True)
    assert config["EMAIL_PORT"] == 465


def test_a_misspelt_email_url_stops_the_start_up():
    result = run_settings(EMAIL_URL="smpt://mail.example.org")
    assert result.returncode != 0
    assert "smpt" in result.stderr


def test_reminder_settings_are_read_and_checked():
    config = values(
        REMINDER_DAYS_BEFORE="7, 21,2",
        ESCALATE_AFTER_DAYS="5",
        PORTAL_BASE_URL="https://nap1325.example.org/",
    )
    assert config["REMINDER_DAYS_BEFORE"] == [21, 7, 2]
    assert config["ESCALATE_AFTER_DAYS"] == 5
    assert config["PORTAL_BASE_URL"] == "https://nap1325.example.org"

    result = run_settings(REMINDER_DAYS_BEFORE="14,one")
    assert result.returncode != 0
    assert "REMINDER_DAYS_BEFORE must be comma-separated whole numbers" in result.stderr
