"""The health endpoint and the page shown while the database is unreachable."""

import sys

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .health import CHECKS, run_checks

# Seconds after which a browser, a crawler or a load balancer may try again.
RETRY_AFTER = 30


@never_cache
@require_safe
def health(request):
    """200 when the database, the cache and the worker queue are fine, else 503; JSON.
    `?check=database&check=cache` runs only the checks named."""
    only = {name for name in request.GET.getlist("check") if name in CHECKS}
    result = run_checks(only or None)
    return JsonResponse(result, status=200 if result["status"] == "ok" else 503)


def unavailable_response(request) -> HttpResponse:
    """The friendly 503 page. Rendered without the request's context processors and without
    anything that reads the database, because the database is what is missing."""
    if request.path.rstrip("/") == "/health":
        response = JsonResponse(
            {"status": "unavailable", "checks": {"database": {"ok": False}}}, status=503
        )
    else:
        html = loader.get_template("503.html").render(
            {"LANGUAGE_CODE": translation.get_language() or "nl", "retry_after": RETRY_AFTER}
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """handler500: an outage that surfaced outside a view (in a middleware reading the session,
    say) still gets the 503 page; every other error gets Django's 500 page."""
    from django.views.defaults import server_error as default_server_error

    from .middleware import is_database_outage

    if is_database_outage(sys.exc_info()[1]):
        return unavailable_response(request)
    return default_server_error(request)
