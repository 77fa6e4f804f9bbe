"""Request id and audit context for every request; refused requests become audit events."""

from __future__ import annotations

import ipaddress
import logging
import re
import uuid

from django.conf import settings
from django.db import DatabaseError, transaction

from . import context
from .models import AuditEvent
from .recorder import record

logger = logging.getLogger("audit")

HEADER = "X-Request-ID"
# What a proxy's id may look like: no spaces, quotes or control characters to forge log lines.
VALID_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$")
DENIED = frozenset({401, 403, 429})


def trusted(remote_addr: str) -> bool:
    """Whether the request comes from one of settings.TRUSTED_PROXIES (addresses or networks)."""
    networks = getattr(settings, "TRUSTED_PROXIES", ())
    if not networks or not remote_addr:
        return False
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)


def request_id_for(request) -> str:
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    if given and VALID_ID.match(given) and trusted(request.META.get("REMOTE_ADDR", "")):
        return given
    return uuid.uuid4().hex


class AuditMiddleware:
    """Outermost middleware: gives each request an id (kept for log lines and audit events,
    returned in the X-Request-ID header) and records 401, 403 and 429 answers, whichever layer
    gave them (a view's PermissionDenied, the CSRF check, login throttling)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_for(request)
        request.request_id = request_id
        # Kept until request_finished (audit.signals), so that Django's log line of a 4xx or
        # 5xx answer, written after the middleware returned, still carries the id.
        context.start_request(request, request_id)
        response = self.get_response(request)
        if response.status_code in DENIED:
            self.record_refusal(request, response)
        response[HEADER] = request_id
        return response

    def record_refusal(self, request, response) -> None:
        try:
            with transaction.atomic():
                record(
                    category=AuditEvent.Category.ACCESS,
                    action=AuditEvent.Action.DENIED,
                    status_code=response.status_code,
                )
        except DatabaseError:
            # The refusal stands even when the trail cannot be written; the log still says it.
            logger.exception(
                "access denied (not stored)",
                extra={"status_code": response.status_code, "path": request.path},
            )
