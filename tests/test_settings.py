"""Configuration comes from the environment and refuses unsafe production settings."""

import os
import subprocess
import sys

from django.conf import settings

CHECK = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DATABASES['default']['ENGINE'])"
)


def run_settings(**env):
    environment = {
        k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL")
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="napportal.settings")
    return subprocess.run(
        [sys.executable, "-c", CHECK],
        env=environment,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_starts_without_secret_key_in_debug_mode_on_sqlite_by_default():
    result = run_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_database_url_selects_postgresql():
    result = run_settings(SECRET_KEY="x", DATABASE_URL="postgres://u@127.0.0.1:5432/napportal")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_malformed_boolean_is_a_clear_error():
    result = run_settings(SECRET_KEY="x", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_languages_are_dutch_english_french_with_dutch_default():
    assert [code for code, _ in settings.LANGUAGES] == ["nl", "en", "fr"]
    assert settings.LANGUAGE_CODE == "nl"
