"""Settings for the test suite: production settings with a test key and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# The test client and the live server speak plain HTTP; everything else stays as in production
# (HSTS, secure cookies, CSP). tests/test_security_settings.py checks the production values.
SECURE_SSL_REDIRECT = False
# No collectstatic before the tests: plain static files instead of the hashed manifest.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The local-memory cache outlives each test's database transaction: tests of the public page
# cache switch it on themselves (public/caching.py).
PUBLIC_PAGE_CACHE_TIMEOUT = 0
# Serve static files from the app and project folders, as runserver does (no STATIC_ROOT).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
