"""Who is acting and in which request, for audit events and log lines.

The request middleware sets the request and its id when a request comes in; they are cleared
when it has finished (request_finished, after Django's own log line of the answer). Code that
acts outside a request (management commands, the worker) can name its actor with `acting_as`.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("request_id", default="")
_request: ContextVar[object | None] = ContextVar("audit_request", default=None)
_actor: ContextVar[object | None] = ContextVar("audit_actor", default=None)


def request_id() -> str:
    return _request_id.get()


def current_request():
    return _request.get()


def current_actor():
    """The user acting now: named by `acting_as`, else the request's logged-in user."""
    actor = _actor.get()
    if actor is not None:
        return actor
    request = _request.get()
    # Before AuthenticationMiddleware ran there is no user yet: the actor is unknown.
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and user.is_authenticated:
        return user
    return None


def start_request(request, request_id_: str) -> None:
    _request.set(request)
    _request_id.set(request_id_)


def end_request(**kwargs) -> None:
    """Forget the request (on request_finished: after Django's own log line of the answer)."""
    _request.set(None)
    _request_id.set("")


@contextlib.contextmanager
def acting_as(user):
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)
