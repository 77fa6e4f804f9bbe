"""Mails the portal sends: workflow events and the daily reminders.

Workflow functions (reporting.workflow) call `notify_*` at the end of a transition; the mail goes
out only when the transaction commits, so a transition that is rolled back sends nothing, and a
mail server that fails is logged without undoing the transition. `send_reminders` is the daily
run behind `manage.py send_reminders`.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Membership, User
from indicators.models import PlanOrganisation

from . import links
from .mail import compose, display_name, organisation_name, round_title, scope, state_label
from .models import Reminder
from .reminders import ITEM_STATES, Digest, OrganisationWork, RoundPart, plan_reminders

logger = logging.getLogger(__name__)

REPORTER_ROLES = (Membership.Role.EDITOR, Membership.Role.FOCAL_POINT)
COORDINATING = (PlanOrganisation.Role.COORDINATOR, PlanOrganisation.Role.CO_COORDINATOR)


# --- recipients ---------------------------------------------------------------------------------


def organisation_reporters(organisation_id: int, *, exclude=None) -> list:
    """The active editors and focal points of an organisation who have an address."""
    users = User.objects.filter(
        memberships__organisation_id=organisation_id,
        memberships__role__in=REPORTER_ROLES,
        is_active=True,
    )
    return _addressable(users, exclude)


def plan_coordinators(plan_id: int, *, exclude=None) -> list:
    """The active coordinators of the organisations that coordinate the plan."""
    users = User.objects.filter(
        memberships__role=Membership.Role.COORDINATOR,
        memberships__organisation__participations__plan_id=plan_id,
        memberships__organisation__participations__role__in=COORDINATING,
        is_active=True,
    )
    return _addressable(users, exclude)


def _addressable(users, exclude) -> list:
    users = users.exclude(email="").distinct().order_by("email", "pk")
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return list(users)


def _send(messages: Sequence) -> int:
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(list(messages)) or 0


def _after_commit(send) -> None:
    # robust: a failing mail server is logged, it does not turn a done transition into an error.
    transaction.on_commit(send, robust=True)


# --- workflow events ----------------------------------------------------------------------------


def _entry_context(entry, language: str) -> dict:
    return {
        "round_title": round_title(entry.round),
        "organisation": organisation_name(entry.organisation),
        "item": scope(entry.goal, entry.subgoal, entry.indicator, entry.round.plan.language),
        "entry_url": links.entry_url(entry.pk, language),
        "worklist_url": links.worklist_url(language),
    }


def notify_returned(*, entry, comment: str, actor) -> None:
    """Tell the organisation's editors and focal points that a coordinator returned an entry."""

    def send():
        _send(
            [
                compose(
                    user,
                    "entry_returned",
                    lambda language: {
                        **_entry_context(entry, language),
                        "actor": display_name(actor),
                        "comment": comment,
                    },
                )
                for user in organisation_reporters(entry.organisation_id, exclude=actor)
            ]
        )

    _after_commit(send)


def notify_approved(*, entry, actor, comment: str = "") -> None:
    """Tell the organisation's editors and focal points that an entry was approved."""

    def send():
        _send(
            [
                compose(
                    user,
                    "entry_approved",
                    lambda language: {
                        **_entry_context(entry, language),
                        "actor": display_name(actor),
                        "comment": comment,
                    },
                )
                for user in organisation_reporters(entry.organisation_id, exclude=actor)
            ]
        )

    _after_commit(send)


def notify_submitted(*, round_, organisation, entries: Sequence, actor) -> None:
    """Tell the plan's coordinators, in one mail per submit action, what an organisation sent
    in for review."""
    entries = list(entries)
    if not entries:
        return

    def context_for(language: str) -> dict:
        items = [
            {
                **scope(entry.goal, entry.subgoal, entry.indicator, round_.plan.language),
                "url": links.review_url(entry, language),
            }
            for entry in entries
        ]
        items.sort(key=lambda item: item["label"])
        return {
            "round_title": round_title(round_),
            "organisation": organisation_name(organisation),
            "actor": display_name(actor),
            "items": items,
            "count": len(items),
            "queue_url": links.review_queue_url(round_, language),
        }

    def send():
        _send(
            [
                compose(user, "organisation_submitted", context_for)
                for user in plan_coordinators(round_.plan_id, exclude=actor)
            ]
        )

    _after_commit(send)


# --- daily reminders ----------------------------------------------------------------------------


@dataclass
class ReminderRun:
    today: datetime.date
    digests: list[Digest]
    without_address: list
    dry_run: bool
    sent: list[Digest] = field(default_factory=list)
    failed: list[Digest] = field(default_factory=list)


def _work_context(work: OrganisationWork, language: str, with_items: bool = True) -> dict:
    plan_language = work.round.plan.language
    worklist = links.worklist_url(language)
    counts = [
        {"state": state, "label": state_label(state), "count": work.count(state)}
        for state in ITEM_STATES
        if work.count(state)
    ]
    items = []
    if with_items:
        for item in work.items:
            items.append(
                {
                    **scope(item.goal, item.subgoal, item.indicator, plan_language),
                    "state": item.state,
                    "state_label": state_label(item.state),
                    "url": links.entry_url(item.entry.pk, language) if item.entry else worklist,
                }
            )
    return {
        "name": organisation_name(work.organisation),
        "counts": counts,
        "total": len(work.items),
        "items": items,
    }


def _part_context(part: RoundPart, language: str) -> dict:
    # Coordinators get a summary per organisation; the list of items is on the dashboard.
    escalation = part.kind == Reminder.Kind.ESCALATION
    return {
        "title": round_title(part.round),
        "kind": part.kind,
        "deadline": part.round.deadline,
        "overdue": part.days_left < 0,
        "days_left": part.days_left,
        "days_overdue": part.days_overdue,
        "organisations": [
            _work_context(work, language, with_items=not escalation) for work in part.works
        ],
        "dashboard_url": links.dashboard_url(part.round, language) if escalation else "",
        "total": sum(len(work.items) for work in part.works),
    }


def digest_message(digest: Digest):
    def context_for(language: str) -> dict:
        reminders = [_part_context(part, language) for part in digest.reminders]
        escalations = [_part_context(part, language) for part in digest.escalations]
        titles = ", ".join(part["title"] for part in reminders or escalations)
        deadlines = {part["deadline"] for part in reminders}
        return {
            "reminders": reminders,
            "escalations": escalations,
            "item_count": digest.item_count,
            "worklist_url": links.worklist_url(language),
            "rounds": titles,
            "any_overdue": any(part["overdue"] for part in reminders),
            "deadline": deadlines.pop() if len(deadlines) == 1 else None,
        }

    return compose(digest.user, "reminder_digest", context_for)


def send_reminders(*, today: datetime.date | None = None, dry_run: bool = False) -> ReminderRun:
    """Send today's reminder digests: one mail per person, each part recorded so a second run
    on the same day sends nothing again."""
    today = today or timezone.localdate()
    plan = plan_reminders(today)
    run = ReminderRun(
        today=today, digests=plan.digests, without_address=plan.without_address, dry_run=dry_run
    )
    if dry_run or not plan.digests:
        return run
    with get_connection() as connection:
        for digest in plan.digests:
            message = digest_message(digest)
            message.connection = connection
            try:
                # Claim the parts and send in one transaction: a failed send leaves no record,
                # so tomorrow's run (or a re-run today) tries again; a concurrent run that claimed
                # them first makes this one skip.
                with transaction.atomic():
                    Reminder.objects.bulk_create(
                        [
                            Reminder(
                                user=digest.user, round=part.round, kind=part.kind, sent_on=today
                            )
                            for part in digest.parts
                        ]
                    )
                    message.send()
            except IntegrityError:
                logger.info("Reminders for %s were sent by another run.", digest.user)
            except (smtplib.SMTPException, OSError):
                logger.exception("Could not send the reminder to %s.", digest.user.email)
                run.failed.append(digest)
            else:
                run.sent.append(digest)
    return run
