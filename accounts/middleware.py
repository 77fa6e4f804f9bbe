"""Session limits and the second factor, enforced for every request in one place."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext

from . import otp
from .sessions import LOGIN_TIME_KEY, renew, seconds_since_login

# Pages a signed-in user who has not typed a code yet may still open: the public portal, the
# steps of logging in and out, and public downloads. Everything else needs the second factor.
OPEN_NAMESPACES = frozenset({"public"})
OPEN_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "set_language",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
    }
)
OPEN_VIEW_NAMES = frozenset(
    {
        "accounts:two-factor",
        "accounts:two-factor-setup",
        "reports:published-download",
        "health",
    }
)


class SessionLimitMiddleware:
    """Ends a session SESSION_MAX_SECONDS after the login, however active it has been (the
    request then goes on as an anonymous one: a protected page asks to log in again), and
    restarts the idle clock of an active one (accounts.sessions.renew)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            elapsed = seconds_since_login(request)
            if elapsed is None:
                # A session from before this check existed: its clock starts now.
                request.session[LOGIN_TIME_KEY] = time.time()
            elif elapsed > settings.SESSION_MAX_SECONDS:
                logout(request)
            if request.user.is_authenticated:
                renew(request)
        return self.get_response(request)


def wants_json(request) -> bool:
    if request.path.startswith("/api/"):
        return True
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return True
    return request.accepts("application/json") and not request.accepts("text/html")


def is_open(match) -> bool:
    if match is None:
        return True
    if match.namespaces and match.namespaces[0] in OPEN_NAMESPACES:
        return True
    return match.url_name in OPEN_URL_NAMES or match.view_name in OPEN_VIEW_NAMES


class SecondFactorMiddleware:
    """A user who needs a second factor (accounts.otp.needs_second_factor) and has not typed a
    code in this session reaches only the open pages above: a page redirects to the code page
    (and back afterwards), an API or JSON request gets a 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if is_open(request.resolver_match) or not otp.needs_second_factor(user):
            return None
        if wants_json(request):
            return JsonResponse(
                {"detail": gettext("Confirm your login with a code from your authenticator app.")},
                status=403,
            )
        url = reverse("accounts:two-factor")
        return HttpResponseRedirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
