"""The data-entry workflow: every change by a person goes through these functions.

Each takes the acting user, checks permission (reporting.access), validates the transition,
saves, and records the transition and history in one transaction. Views, admin actions, API
endpoints and commands call these; none changes an entry's status by itself.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.models import Goal, Indicator, Organisation, Subgoal
from napportal.locking import EditConflict, check_version  # EditConflict: callers catch workflow's
from notifications import services as notifications

from . import access
from .models import (
    EntryComment,
    EntryTransition,
    LockException,
    ProgressEntry,
    ReportingRound,
)

Status = ProgressEntry.Status


def _deny(reason: str | None) -> None:
    if reason:
        raise PermissionDenied(reason)


def _locked(entry_id: int) -> ProgressEntry:
    # Row lock on PostgreSQL; SQLite serialises writers by itself.
    return (
        ProgressEntry.objects.select_for_update(of=("self",))
        .select_related("round__plan", "organisation", "goal", "subgoal", "indicator")
        .get(pk=entry_id)
    )


def _unchanged_relations(entry: ProgressEntry, current: ProgressEntry) -> list[str]:
    """Foreign keys the edit left as the locked row has them: they exist (the row was just read
    with them) and their constraints hold, so full_clean need not query each one again."""
    return [
        field.name
        for field in entry._meta.concrete_fields
        if field.many_to_one and getattr(entry, field.attname) == getattr(current, field.attname)
    ]


def _record(entry: ProgressEntry, from_status: str, actor, comment: str = "") -> EntryTransition:
    latest = entry.history.order_by("-history_id").values_list("history_id", flat=True).first()
    return EntryTransition.objects.create(
        entry=entry,
        from_status=from_status,
        to_status=entry.status,
        actor=actor,
        comment=comment,
        history_id=latest,
    )


@transaction.atomic
def start_entry(
    *,
    acting_user,
    round_: ReportingRound,
    organisation: Organisation,
    goal: Goal,
    subgoal: Subgoal | None = None,
    indicator: Indicator | None = None,
) -> ProgressEntry:
    """Create the draft for an item of the worklist that was not started yet."""
    _deny(access.create_denial(acting_user, round_, organisation.pk))
    entry = ProgressEntry(
        round=round_,
        organisation=organisation,
        goal=goal,
        subgoal=subgoal,
        indicator=indicator,
        status=Status.DRAFT,
        last_edited_by=acting_user,
    )
    entry.full_clean()
    entry._history_user = acting_user
    entry.save()
    _record(entry, "", acting_user)
    return entry


@transaction.atomic
def save_entry(
    *,
    acting_user,
    entry: ProgressEntry,
    expected_version: int,
    save_related: Callable[[ProgressEntry], None] | None = None,
) -> ProgressEntry:
    """Save the edited `entry` (its fields already set from the form) and its related rows.

    `expected_version` is the version the user's form was opened on; if the entry changed since,
    nothing is saved and EditConflict carries the current version to show beside the user's.
    """
    current = _locked(entry.pk)
    _deny(access.edit_denial(acting_user, current))
    if current.version != expected_version:
        raise EditConflict(current)
    entry.status = current.status
    entry.version = current.version + 1
    entry.last_edited_by = acting_user
    entry.full_clean(exclude=_unchanged_relations(entry, current))
    entry._history_user = acting_user
    if current.status == Status.APPROVED:
        # Edited under a lock exception: it needs a fresh review.
        entry.status = Status.DRAFT
        entry.save()
        _record(entry, Status.APPROVED, acting_user, _("Edited under a lock exception."))
    else:
        entry.save()
    if save_related is not None:
        save_related(entry)
    return entry


def _transition(entry: ProgressEntry, to_status: str, actor, comment: str = "", **fields):
    from_status = entry.status
    entry.status = to_status
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.version += 1
    entry._history_user = actor
    entry._change_reason = f"{from_status} → {to_status}"
    entry.save()
    _record(entry, from_status, actor, comment)
    return entry


@transaction.atomic
def submit_entry(*, acting_user, entry: ProgressEntry) -> ProgressEntry:
    entry = _locked(entry.pk)
    _deny(access.submit_denial(acting_user, entry))
    if not entry.not_reported and not (entry.narrative or "").strip() and not entry.values.exists():
        raise ValidationError(_("Write the progress, or mark the entry as nothing to report."))
    entry.full_clean()
    return _transition(
        entry, Status.SUBMITTED, acting_user, submitted_at=timezone.now(), submitted_by=acting_user
    )


def submit_organisation(
    *, acting_user, round_: ReportingRound, organisation: Organisation
) -> list[ProgressEntry]:
    """Submit every draft or returned entry of an organisation in one go (all or nothing)."""
    with transaction.atomic():
        entries = list(
            ProgressEntry.objects.filter(
                round=round_,
                organisation=organisation,
                status__in=[Status.DRAFT, Status.RETURNED],
            )
        )
        if not entries:
            raise ValidationError(_("There is nothing to submit."))
        submitted = [submit_entry(acting_user=acting_user, entry=entry) for entry in entries]
        notifications.notify_submitted(
            round_=round_, organisation=organisation, entries=submitted, actor=acting_user
        )
        return submitted


@transaction.atomic
def return_entry(*, acting_user, entry: ProgressEntry, comment: str) -> ProgressEntry:
    entry = _locked(entry.pk)
    _deny(access.review_denial(acting_user, entry))
    if not comment.strip():
        raise ValidationError(_("Say what needs to change when you return an entry."))
    EntryComment.objects.create(entry=entry, author=acting_user, text=comment)
    entry = _transition(entry, Status.RETURNED, acting_user, comment)
    notifications.notify_returned(entry=entry, comment=comment, actor=acting_user)
    return entry


@transaction.atomic
def approve_entry(*, acting_user, entry: ProgressEntry, comment: str = "") -> ProgressEntry:
    entry = _locked(entry.pk)
    _deny(access.approve_denial(acting_user, entry))
    entry = _transition(
        entry,
        Status.APPROVED,
        acting_user,
        comment,
        approved_at=timezone.now(),
        approved_by=acting_user,
    )
    notifications.notify_approved(entry=entry, actor=acting_user, comment=comment)
    return entry


@transaction.atomic
def grant_lock_exception(
    *,
    acting_user,
    entry: ProgressEntry,
    reason: str,
    until: datetime.datetime,
) -> LockException:
    _deny(access.coordinate_denial(acting_user, entry.round))
    if entry.status == Status.PUBLISHED:
        raise ValidationError(_("Published entries are corrected by issuing a new report version."))
    _deny(access.lock_exception_denial(acting_user, entry))
    if not reason.strip():
        raise ValidationError(_("Give the reason for the exception."))
    if until <= timezone.now():
        raise ValidationError(_("The exception must end in the future."))
    exception = LockException(entry=entry, granted_by=acting_user, reason=reason, expires_at=until)
    exception.full_clean()
    exception.save()
    return exception


@transaction.atomic
def add_comment(*, acting_user, entry: ProgressEntry, text: str) -> EntryComment:
    _deny(access.comment_denial(acting_user, entry))
    if not text.strip():
        raise ValidationError(_("A comment cannot be empty."))
    return EntryComment.objects.create(entry=entry, author=acting_user, text=text)


@transaction.atomic
def set_round_state(
    *, acting_user, round_: ReportingRound, state: str, expected_version: int | None = None
) -> ReportingRound:
    """Open or close a round for editing. With `expected_version` (the version the page showed),
    a round changed by someone else since is refused with EditConflict."""
    _deny(access.coordinate_denial(acting_user, round_))
    round_ = check_version(ReportingRound, round_.pk, expected_version)
    allowed = {
        ReportingRound.State.PLANNED: {ReportingRound.State.OPEN},
        ReportingRound.State.OPEN: {ReportingRound.State.CLOSED},
        ReportingRound.State.CLOSED: {ReportingRound.State.OPEN},
    }
    if state not in allowed.get(round_.state, set()):
        raise ValidationError(
            _("A %(from)s round cannot become %(to)s.")
            % {"from": round_.get_state_display().lower(), "to": state}
        )
    round_.state = state
    round_.version += 1
    round_.full_clean()
    round_.save()
    return round_


@transaction.atomic
def schedule_publication(
    *,
    acting_user,
    round_: ReportingRound,
    at: datetime.datetime | None = None,
    expected_version: int | None = None,
) -> ReportingRound:
    """Publish the round's approved entries now, or at `at` (an embargo)."""
    _deny(access.coordinate_denial(acting_user, round_))
    round_ = check_version(ReportingRound, round_.pk, expected_version)
    if round_.state == ReportingRound.State.PUBLISHED:
        raise ValidationError(_("This round is already published."))
    if not round_.entries.filter(status=Status.APPROVED).exists():
        raise ValidationError(_("No approved entries to publish."))
    now = timezone.now()
    round_.publish_at = at if at and at > now else now
    round_.version += 1
    round_.save()
    if round_.publish_at <= now:
        publish_round(round_=round_, actor=acting_user)
    return round_


@transaction.atomic
def publish_round(*, round_: ReportingRound, actor=None) -> list[ProgressEntry]:
    """Make the approved entries public. Called at once, or by `publish_due_rounds` at the
    embargo time (then without a person acting)."""
    check_version(ReportingRound, round_.pk, None)  # lock the round, then read it as it is now
    round_.refresh_from_db()
    now = timezone.now()
    published = []
    for entry in round_.entries.select_for_update().filter(status=Status.APPROVED):
        published.append(_transition(entry, Status.PUBLISHED, actor, published_at=now))
    round_.state = ReportingRound.State.PUBLISHED
    round_.published_at = now
    round_.version += 1
    round_.save()
    # Queued in the same transaction, so a round is never published without its freeze job;
    # the report worker renders and stores the documents, not this request.
    from reports.services import queue_freeze  # reports builds on reporting, not the reverse

    queue_freeze(round_=round_, actor=actor)
    return published


def publish_due_rounds(now: datetime.datetime | None = None) -> list[ReportingRound]:
    """Publish every round whose embargo has passed (run by cron or the worker)."""
    now = now or timezone.now()
    due = list(
        ReportingRound.objects.filter(publish_at__lte=now).exclude(
            state=ReportingRound.State.PUBLISHED
        )
    )
    for round_ in due:
        publish_round(round_=round_)
    return due
