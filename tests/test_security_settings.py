"""The production configuration: Django's deployment checks pass with nothing silenced, and the
security headers, cookies, Content Security Policy and static files are as promised."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.otp import login_verified
from tests.roles import build_world

BASE_DIR = Path(__file__).resolve().parent.parent


def production_env(**extra) -> dict:
    """The environment of a production start: DEBUG off, a real key, a host name."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_", "DEBUG"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="napportal.settings",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="nap1325.example.org",
        CSRF_TRUSTED_ORIGINS="https://nap1325.example.org",
        DEBUG="false",
    )
    env.update(extra)
    return env


def manage(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env or production_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_deployment_checks_pass_with_the_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


PRINT_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "silenced": settings.SILENCED_SYSTEM_CHECKS,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "proxy_header": getattr(settings, "SECURE_PROXY_SSL_HEADER", None),
    "hsts": [settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
             settings.SECURE_HSTS_PRELOAD],
    "cookies": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,
                settings.CSRF_COOKIE_SECURE, settings.CSRF_COOKIE_HTTPONLY],
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
    "middleware": settings.MIDDLEWARE,
}))
"""


def _production_settings(**extra) -> dict:
    result = manage("shell", "-c", PRINT_SETTINGS, env=production_env(**extra))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_defaults_are_the_safe_ones():
    values = _production_settings()
    assert values["silenced"] == []
    assert values["ssl_redirect"] is True
    assert values["proxy_header"] is None
    assert values["hsts"] == [31_536_000, True, True]
    assert values["cookies"] == [True, True, True, True]
    assert values["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in values["middleware"]
    assert "csp.middleware.CSPMiddleware" in values["middleware"]


def test_behind_a_tls_proxy_the_forwarded_scheme_is_trusted_only_when_configured():
    values = _production_settings(
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto", SECURE_HSTS_SECONDS="600"
    )
    assert values["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["hsts"][0] == 600


# --- headers ----------------------------------------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/en/", "/en/accounts/login/", "/en/report/login/"])
def test_every_page_carries_a_strict_content_security_policy(path):
    response = Client().get(path)
    assert response.status_code == 200
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["base-uri"] == ["'self'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_security_headers():
    response = Client().get("/en/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    # HSTS only over https, where a browser will honour it.
    assert "Strict-Transport-Security" not in response
    secure = Client().get("/en/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_unless_the_proxy_says_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/en/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/en/"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert Client().get("/en/", HTTP_X_FORWARDED_PROTO="https").status_code == 200


@pytest.mark.django_db
def test_cookies_are_secure_and_out_of_reach_of_scripts():
    client = Client()
    page = client.get("/en/accounts/login/")
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"]
    assert csrf["samesite"] == "Lax"

    world = build_world()
    world.editor.set_password("a-long-enough-password-1325")
    world.editor.save()
    response = client.post(
        "/en/accounts/login/",
        {"username": "editor", "password": "a-long-enough-password-1325"},
    )
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"


@pytest.mark.django_db
def test_static_files_are_served_by_whitenoise():
    response = Client().get(settings.STATIC_URL + "js/session.js")
    assert response.status_code == 200
    assert response.__class__.__name__ == "WhiteNoiseFileResponse"
    assert response["X-Content-Type-Options"] == "nosniff"


# --- no inline script in any template ---------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def _templates():
    for path in BASE_DIR.rglob("templates/**/*.html"):
        parts = path.relative_to(BASE_DIR).parts
        if parts[0] in (".venv", "node_modules", "staticfiles", "var"):
            continue
        yield path


def test_no_template_has_inline_script_or_event_handlers():
    templates = list(_templates())
    assert len(templates) > 20
    offenders = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JS_URL):
            offenders += [f"{path}: {match.group(0)}" for match in pattern.finditer(text)]
    assert offenders == []


@pytest.mark.django_db
def test_signed_in_pages_of_the_workspace_have_no_inline_script():
    world = build_world()
    client = Client()
    login_verified(client, world.editor)
    html = client.get("/en/report/").content.decode()
    assert INLINE_SCRIPT.findall(html) == []
    assert "js/session.js" in html
