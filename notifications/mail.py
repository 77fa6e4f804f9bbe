"""Composing mails: one per recipient, in the recipient's language, plain text with an HTML
alternative, rendered from the templates in notifications/templates/notifications/."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from indicators.i18n import localized
from reporting.models import ProgressEntry

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
NOT_STARTED = "not_started"


def language_for(user) -> str:
    """The language to write to `user` in. Users have no language of their own yet: then the
    portal's default language."""
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE


def display_name(user) -> str:
    return user.get_full_name() or user.username


def compose(user, template: str, context_for: Callable[[str], dict]) -> EmailMultiAlternatives:
    """The mail `template` for `user`: `context_for(language)` builds the context while the
    recipient's language is active, so labels, dates and links come out in that language."""
    language = language_for(user)
    with translation.override(language):
        context = {
            "recipient_name": display_name(user),
            "language": language,
            **context_for(language),
        }
        subject = render_to_string(f"notifications/{template}_subject.txt", context)
        subject = " ".join(subject.split())
        text = render_to_string(f"notifications/{template}.txt", context)
        html = render_to_string(f"notifications/{template}.html", context)
        prefix = _("NAP 1325 portal")
    message = EmailMultiAlternatives(
        subject=f"[{prefix}] {subject}",
        body=re.sub(r"\n{3,}", "\n\n", text).strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[formataddr((user.get_full_name(), user.email))],
        # RFC 3834: no out-of-office replies to a robot.
        headers={"Auto-Submitted": "auto-generated", "Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    return message


# --- pieces of context, called with the recipient's language active ---------------------------


def organisation_name(organisation) -> str:
    name = localized(organisation, "name").text
    abbreviation = localized(organisation, "abbreviation").text
    return f"{name} ({abbreviation})" if abbreviation and abbreviation != name else name


def round_title(round_) -> str:
    return f"{round_.plan.short_name} {round_.year}"


def scope(goal, subgoal, indicator, plan_language: str) -> dict:
    """The label ("1 / 1.2 / 1.a") and text of what an item reports on."""
    parts = [str(goal.number)]
    if subgoal is not None:
        parts.append(subgoal.number)
    if indicator is not None:
        parts.append(indicator.code)
        text = localized(indicator, "text", fallback=plan_language)
    elif subgoal is not None:
        text = localized(subgoal, "title", fallback=plan_language)
    else:
        text = localized(goal, "title", fallback=plan_language)
    return {"label": " / ".join(parts), "text": Truncator(text.text).chars(120)}


def state_label(state: str) -> str:
    if state == NOT_STARTED:
        return _("Not started")
    return str(ProgressEntry.Status(state).label)
