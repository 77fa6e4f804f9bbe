"""Writing audit events: a row in AuditEvent and a JSON line on the `audit` logger."""

from __future__ import annotations

import datetime
import decimal
import logging
import re
import uuid

from django.db import transaction
from django.db.models import Model
from django.db.models.fields.files import FieldFile

from accounts.security import client_ip

from . import context
from .models import AuditEvent

logger = logging.getLogger("audit")

# Field names whose values never leave the database: password hashes, OTP secrets, session
# keys, tokens. Their changes are recorded as "[redacted]".
SECRET = re.compile(r"password|secret|token|session|otp|(^|_)key$|seed", re.IGNORECASE)
REDACTED = "[redacted]"
# Long texts (narratives) are cut so one event stays a readable log line.
MAX_VALUE = 5000
UNSET = object()


def plain(value):
    """A JSON-safe copy of a field value."""
    if value is None or isinstance(value, bool | int | float | str):
        if isinstance(value, str) and len(value) > MAX_VALUE:
            return value[:MAX_VALUE] + "…"
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return str(value)


def field_values(instance: Model) -> dict:
    """The instance's concrete field values by name (foreign keys as their ids)."""
    return {
        field.name: field.value_from_object(instance)
        for field in instance._meta.concrete_fields
        if not field.primary_key
    }


def diff(old: dict, new: dict, ignore: frozenset = frozenset()) -> dict:
    """{field: [old, new]} for the fields that differ; secrets redacted."""
    changes = {}
    for name in sorted(set(old) | set(new)):
        if name in ignore:
            continue
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if SECRET.search(name):
            changes[name] = [REDACTED, REDACTED]
        else:
            changes[name] = [plain(before), plain(after)]
    return changes


def _client_ip(request) -> str | None:
    # The same address login throttling uses: X-Forwarded-For only from TRUSTED_PROXIES.
    return client_ip(request) or None


def _path(request) -> str:
    # A password-reset link carries its token in the path.
    match = getattr(request, "resolver_match", None)
    path = request.path
    if match is not None:
        for name, value in match.kwargs.items():
            if SECRET.search(name) and isinstance(value, str) and value:
                path = path.replace(value, REDACTED)
    return path[:500]


def record(
    *,
    category: str,
    action: str,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict | None = None,
    actor=UNSET,
    actor_name: str = "",
    status_code: int | None = None,
) -> AuditEvent:
    """Store one event and log it once the transaction it belongs to is committed."""
    if actor is UNSET:
        actor = context.current_actor()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
        object_repr = getattr(obj, "_audit_repr", None) or str(obj)
    request = context.current_request()
    event = AuditEvent(
        category=category,
        action=action,
        actor=actor,
        actor_name=(actor.get_username() if actor is not None else actor_name)[:150],
        object_type=object_type,
        object_id=object_id[:64],
        object_repr=object_repr[:200],
        changes=changes or {},
        request_id=context.request_id(),
        method=request.method if request is not None else "",
        path=_path(request) if request is not None else "",
        status_code=status_code,
        ip=_client_ip(request) if request is not None else None,
    )
    event.save()
    line = event.as_log()
    # A change rolled back never happened: its log line is written on commit, like its row.
    extra = {"audit": line, "request_id": event.request_id}
    transaction.on_commit(lambda: logger.info("%s %s", category, action, extra=extra))
    return event
