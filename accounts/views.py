"""The second step of logging in (TOTP code or enrolment) and the session keep-alive."""

from __future__ import annotations

import django_otp
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import otp
from .forms import TokenForm
from .middleware import wants_json
from .sessions import renew, seconds_left


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _verified(request, device):
    # A new session key for the raised privilege, then mark the session as verified.
    request.session.cycle_key()
    django_otp.login(request, device)


@never_cache
@login_required
def two_factor(request):
    """Type the current code of the enrolled authenticator app."""
    next_url = _next_url(request)
    if request.user.is_verified():
        return redirect(next_url)
    device = otp.confirmed_device(request.user)
    if device is None:
        return redirect(_with_next("accounts:two-factor-setup", next_url))
    form = TokenForm(device, request.POST or None)
    if request.method == "POST" and form.is_valid():
        _verified(request, device)
        return redirect(next_url)
    return render(request, "accounts/two_factor.html", {"form": form, "next": next_url})


@never_cache
@login_required
def two_factor_setup(request):
    """Enrol an authenticator app: scan the QR code (or type the secret), confirm with a code.
    Only while the account has no confirmed device: replacing one is for an administrator."""
    next_url = _next_url(request)
    if otp.confirmed_device(request.user) is not None:
        return redirect(_with_next("accounts:two-factor", next_url))
    device = otp.pending_device(request.user)
    form = TokenForm(device, request.POST or None)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _verified(request, device)
        return redirect(next_url)
    context = {
        "form": form,
        "next": next_url,
        "qr_code": otp.qr_code_svg(device),
        "secret": otp.secret_for_display(device),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@never_cache
@require_POST
def keepalive(request):
    """Called by static/js/session.js: restarts the idle clock; the answer says how long the
    session now lasts."""
    if not request.user.is_authenticated:
        return JsonResponse({"authenticated": False, "expires_in": 0}, status=401)
    renew(request, force=True)
    return JsonResponse({"authenticated": True, "expires_in": seconds_left(request)})


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): HTTP 429."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    if wants_json(request):
        return JsonResponse({"detail": "locked out", "cooloff_minutes": minutes}, status=429)
    response = render(
        request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429
    )
    response["Retry-After"] = str(minutes * 60)
    return response
