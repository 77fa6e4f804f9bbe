"""Session limits: SESSION_COOKIE_AGE without a request (idle) and SESSION_MAX_SECONDS after
logging in, whatever happens.

The idle clock is the session's expiry date in the session store, renewed by saving the
session. Saving on every request (SESSION_SAVE_EVERY_REQUEST) would cost a database write per
page; instead the session is saved when the last renewal is RENEW_AFTER_SECONDS old, so the idle
limit is exact to within that minute.
"""

from __future__ import annotations

import time

from django.conf import settings

LOGIN_TIME_KEY = "accounts_login_at"
RENEWED_KEY = "accounts_renewed_at"
RENEW_AFTER_SECONDS = 60


def remember_login_time(sender, request, user, **kwargs):
    """user_logged_in receiver: the start of the session's absolute lifetime."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[LOGIN_TIME_KEY] = now
        request.session[RENEWED_KEY] = now


def renew(request, *, force: bool = False) -> None:
    """Restart the idle clock (by changing, hence saving, the session) when it is due."""
    now = time.time()
    renewed = request.session.get(RENEWED_KEY)
    # A tenth of the idle limit when that is short (tests, demos).
    due_after = min(RENEW_AFTER_SECONDS, settings.SESSION_COOKIE_AGE / 10)
    if force or renewed is None or now - renewed >= due_after:
        request.session[RENEWED_KEY] = now


def seconds_since_login(request) -> float | None:
    started = request.session.get(LOGIN_TIME_KEY)
    return None if started is None else time.time() - started


def seconds_left(request) -> int:
    """Until the session ends if nothing more happens: the idle limit or the 12-hour limit."""
    now = time.time()
    renewed = request.session.get(RENEWED_KEY, now)
    left = settings.SESSION_COOKIE_AGE - (now - renewed)
    elapsed = seconds_since_login(request)
    if elapsed is not None:
        left = min(left, settings.SESSION_MAX_SECONDS - elapsed)
    return max(0, int(left))
