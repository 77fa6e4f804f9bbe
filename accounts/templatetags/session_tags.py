from django import template
from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import reverse

from accounts.otp import needs_second_factor
from accounts.sessions import seconds_left

register = template.Library()


@register.inclusion_tag("accounts/_session_meta.html", takes_context=True)
def session_meta(context):
    """What static/js/session.js needs on a signed-in user's page: when the session ends, when
    to warn, where to renew it, the CSRF token for that POST and where to log in again."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {"active": False}
    user = request.user
    if not user.is_verified() and needs_second_factor(user):
        # Halfway through logging in (the code page): nothing to keep alive yet.
        return {"active": False}
    return {
        "active": True,
        "expires_in": seconds_left(request),
        "warn_before": settings.SESSION_WARNING_SECONDS,
        "keepalive_url": reverse("accounts:keepalive"),
        "login_url": reverse(settings.LOGIN_URL),
        "csrf_token": get_token(request),
        "path": request.get_full_path(),
    }
