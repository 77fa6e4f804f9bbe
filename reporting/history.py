"""Versions of a progress entry and what changed between two of them (django-simple-history).

Every workflow step stores the entry's history record (EntryTransition.history_id): those records
are the entry's versions. The reporters' compare page (workspace) and the coordinators' diff page
(coordination) both read them here. A comparison sets two versions side by side, field by field:
the narratives and reasons per language (with word-level changes), the figures per category, and
the references and examples as they stood at each version.

Each function reads with a fixed number of queries, whatever the number of versions or rows.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import html
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import strip_tags
from django.utils.text import capfirst
from django.utils.translation import get_language_info, gettext
from simple_history.models import DeletedObject

from indicators.i18n import localized
from napportal.richtext import RichTextField, sanitize_html
from reporting.models import EntryTransition, Example, ProgressEntry, ProgressValue, Reference

Status = ProgressEntry.Status
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]

# What the organisation wrote, in the order a comparison lists it.
CONTENT_FIELDS = [
    *(f"narrative_{code}" for code in LANGUAGE_CODES),
    "not_reported",
    *(f"not_reported_reason_{code}" for code in LANGUAGE_CODES),
    "currency",
]
# Bookkeeping that changes with every save: the history page leaves it out.
BOOKKEEPING_FIELDS = ["version", "last_edited_by", "id"]

# The transitions with their actors, as `versions` reads them.
TRANSITIONS = Prefetch("transitions", queryset=EntryTransition.objects.select_related("actor"))


# --- labels and values as a reader says them ---------------------------------------------------


def language_name(code: str) -> str:
    return str(get_language_info(code)["name_translated"])


def field_label(model_field) -> str:
    """ "Progress (Dutch)" rather than modeltranslation's "progress [nl]"."""
    base = getattr(model_field, "translated_field", None)
    if base is not None:
        return f"{capfirst(base.verbose_name)} ({language_name(model_field.language)})"
    return capfirst(model_field.verbose_name)


def display_value(model_field, value):
    """A field's value as a reader would say it: choices by their label, None as empty."""
    if value is None or value == "" or (isinstance(value, DeletedObject) and value.pk is None):
        return ""
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    return value


def _number(value: Decimal | None):
    """12.00 as 12, 12.50 as 12.5."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


# --- versions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One recorded state of the entry: the one a workflow step left, or the current one when
    the entry was saved after its last step."""

    history_id: int
    transition: EntryTransition | None = None
    record: object | None = None  # the historical record, read for the current version

    @property
    def is_current(self) -> bool:
        return self.transition is None

    @property
    def status(self) -> str:
        return self.transition.to_status if self.transition else self.record.status

    @property
    def label(self) -> str:
        if self.transition is None:
            return gettext("The current version")
        return self.transition.get_to_status_display()

    @property
    def at(self) -> datetime.datetime:
        return self.transition.at if self.transition else self.record.history_date

    @property
    def actor(self):
        return self.transition.actor if self.transition else self.record.history_user


def versions(entry: ProgressEntry, *, current: bool = False) -> list[Version]:
    """The entry's versions, oldest first: one per workflow step that recorded one. Prefetch
    `TRANSITIONS` (no query here then). With `current`, the entry as last saved is added when that
    save was no workflow step (one query)."""
    steps = [
        Version(history_id=transition.history_id, transition=transition)
        for transition in entry.transitions.all()
        if transition.history_id
    ]
    if current:
        latest = entry.history.select_related("history_user").order_by("-history_id").first()
        if latest is not None and latest.history_id not in {v.history_id for v in steps}:
            steps.append(Version(history_id=latest.history_id, record=latest))
    return steps


def suggested_pairs(versions: list[Version]) -> list[tuple[str, Version, Version]]:
    """The comparisons a reader most likely wants, the most useful first, the older version
    first in each pair: what changed since the last submitted or approved version, since the
    approval before the latest submission, since the submission before it, and the submitted
    against the approved version."""
    steps = [version for version in versions if not version.is_current]
    submitted = [v for v in steps if v.status == Status.SUBMITTED]
    approved = [v for v in steps if v.status == Status.APPROVED]
    pairs = []
    if versions and versions[-1].is_current:
        reviewed = [v for v in steps if v.status in (Status.SUBMITTED, Status.APPROVED)]
        if reviewed:
            last = reviewed[-1]
            if last.status == Status.APPROVED:
                label = gettext("Changes since the approved version")
            else:
                label = gettext("Changes since the previous submission")
            pairs.append((label, last, versions[-1]))
    if submitted:
        latest = submitted[-1]
        earlier_approval = [v for v in approved if v.history_id < latest.history_id]
        if earlier_approval:
            label = gettext("Changes since the approved version")
            pairs.append((label, earlier_approval[-1], latest))
        if len(submitted) > 1:
            label = gettext("Changes since the previous submission")
            pairs.append((label, submitted[-2], latest))
        later_approval = [v for v in approved if v.history_id > latest.history_id]
        if later_approval:
            pairs.append((gettext("Submitted and approved version"), latest, later_approval[-1]))
    return pairs


def default_pair(versions: list[Version]) -> tuple[int | None, int | None]:
    """The two versions compared when the reader chose none: the first suggested pair, else the
    two latest workflow steps, else none."""
    pairs = suggested_pairs(versions)
    if pairs:
        return pairs[0][1].history_id, pairs[0][2].history_id
    steps = [version for version in versions if not version.is_current]
    if len(steps) > 1:
        return steps[-2].history_id, steps[-1].history_id
    return None, None


def chosen_pair(versions: list[Version], query) -> tuple[int | None, int | None]:
    """The versions named by `?old=&new=` in `query`, each defaulting to `default_pair`.
    Raises ValueError when one is not a number."""
    old_id, new_id = default_pair(versions)
    old_id = int(query.get("old", old_id or 0)) or None
    new_id = int(query.get("new", new_id or 0)) or None
    return old_id, new_id


# --- comparing two versions ------------------------------------------------------------------


@dataclass
class FieldChange:
    name: str
    label: str
    old: object  # sanitized HTML when is_html, else the value as a reader says it
    new: object
    is_html: bool
    segments: list[tuple[str, str]] = field(default_factory=list)  # (equal|delete|insert, text)


class ValueChange(NamedTuple):
    label: str
    old: object  # None: no figure
    new: object


@dataclass
class ListChange:
    label: str
    removed: list[str]
    added: list[str]


@dataclass
class Comparison:
    old: Version
    new: Version
    changes: list[FieldChange]
    value_changes: list[ValueChange]
    list_changes: list[ListChange]

    @property
    def unchanged(self) -> bool:
        return not (self.changes or self.value_changes or self.list_changes)


_TAG = re.compile(r"<[^>]*>")


def _words(text) -> list[str]:
    """The words of a value; tags separate words, as paragraphs do."""
    return html.unescape(_TAG.sub(" ", str(text or ""))).split()


def word_segments(old, new) -> list[tuple[str, str]]:
    """Word-level changes from `old` to `new`: (equal|delete|insert, words)."""
    old_words, new_words = _words(old), _words(new)
    segments = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("equal", " ".join(old_words[a1:a2])))
            continue
        if op in ("delete", "replace"):
            segments.append(("delete", " ".join(old_words[a1:a2])))
        if op in ("insert", "replace"):
            segments.append(("insert", " ".join(new_words[b1:b2])))
    return segments


def _shown(model_field, value):
    if isinstance(model_field, RichTextField):
        return sanitize_html(value or "")
    return display_value(model_field, value)


def _field_changes(old_record, new_record) -> list[FieldChange]:
    delta = new_record.diff_against(old_record, included_fields=CONTENT_FIELDS)
    changes = []
    for change in sorted(delta.changes, key=lambda c: CONTENT_FIELDS.index(c.field)):
        model_field = ProgressEntry._meta.get_field(change.field)
        is_html = isinstance(model_field, RichTextField)
        old, new = _shown(model_field, change.old), _shown(model_field, change.new)
        if old == new:
            continue  # None and "" are both empty
        changes.append(
            FieldChange(
                name=change.field,
                label=field_label(model_field),
                old=old,
                new=new,
                is_html=is_html,
                segments=word_segments(old, new),
            )
        )
    return changes


def _snapshots(model, entry_id: int, old_until, new_until) -> tuple[dict, dict]:
    """The rows of `model` belonging to the entry as they were before two moments (None: now),
    by row id, in one query."""
    records = model.history.filter(entry_id=entry_id).order_by("history_date", "history_id")
    if new_until is not None:
        records = records.filter(history_date__lt=new_until)
    old_state: dict[int, object] = {}
    new_state: dict[int, object] = {}
    for record in records:
        before_old = old_until is None or record.history_date < old_until
        for state in [old_state, new_state] if before_old else [new_state]:
            if record.history_type == "-":
                state.pop(record.id, None)
            else:
                state[record.id] = record
    return old_state, new_state


def _value_changes(entry: ProgressEntry, old_until, new_until) -> list[ValueChange]:
    old_rows, new_rows = _snapshots(ProgressValue, entry.pk, old_until, new_until)
    old = {row.category_id: _number(row.value) for row in old_rows.values()}
    new = {row.category_id: _number(row.value) for row in new_rows.values()}
    labels = {}
    if entry.indicator_id:
        fallback = entry.round.plan.language
        for category in entry.indicator.categories.all():
            labels[category.pk] = localized(category, "label", fallback=fallback).text
    order = [*labels, *sorted((set(old) | set(new)) - set(labels) - {None}), None]
    return [
        ValueChange(
            gettext("Total") if category_id is None else labels.get(category_id, "?"),
            old.get(category_id),
            new.get(category_id),
        )
        for category_id in order
        if old.get(category_id) != new.get(category_id)
    ]


def _reference_text(record) -> str:
    parts = [part for part in (record.citation, record.title, record.url) if part]
    return f"{Reference.Kind(record.kind).label}: " + " – ".join(parts)


def _example_text(record) -> str:
    parts = []
    for code in LANGUAGE_CODES:
        title = getattr(record, f"title_{code}", "") or ""
        description = strip_tags(getattr(record, f"description_{code}", "") or "").strip()
        if title or description:
            parts.append(f"[{code.upper()}] {title}" + (f" – {description}" if description else ""))
    extra = [part for part in (record.partner, str(record.country or ""), record.link) if part]
    return "; ".join(parts + extra)


def _list_changes(entry: ProgressEntry, old_until, new_until) -> list[ListChange]:
    changes = []
    for label, model, describe in (
        (gettext("References"), Reference, _reference_text),
        (gettext("Examples"), Example, _example_text),
    ):
        old_rows, new_rows = _snapshots(model, entry.pk, old_until, new_until)

        def texts(rows, describe=describe):
            ordered = sorted(rows.values(), key=lambda row: (row.position, row.id))
            return Counter(describe(row) for row in ordered)

        before, after = texts(old_rows), texts(new_rows)
        removed = list((before - after).elements())
        added = list((after - before).elements())
        if removed or added:
            changes.append(ListChange(label=label, removed=removed, added=added))
    return changes


def compare(
    entry: ProgressEntry, versions: list[Version], old_id: int, new_id: int
) -> Comparison | None:
    """What changed between two of the entry's `versions` (the older one first, whichever
    order they are named in), or None if either is not one of them.

    Related rows count as of each version: changed before the entry's next save (the same save
    writes the entry first, then its values, references and examples). Queries: the two
    records, the values, references and examples, and the indicator's categories unless
    prefetched.
    """
    by_id = {version.history_id: version for version in versions}
    if old_id not in by_id or new_id not in by_id:
        return None
    if old_id > new_id:
        old_id, new_id = new_id, old_id
    history_model = entry.history.model
    next_save = history_model.objects.filter(
        id=entry.pk, history_id__gt=OuterRef("history_id")
    ).order_by("history_id")
    records = {
        record.history_id: record
        for record in entry.history.filter(history_id__in=[old_id, new_id]).annotate(
            until=Subquery(next_save.values("history_date")[:1])
        )
    }
    if old_id not in records or new_id not in records:
        return None
    old, new = records[old_id], records[new_id]
    return Comparison(
        old=_with_record(by_id[old_id], old),
        new=_with_record(by_id[new_id], new),
        changes=_field_changes(old, new) if old_id != new_id else [],
        value_changes=_value_changes(entry, old.until, new.until),
        list_changes=_list_changes(entry, old.until, new.until),
    )


def _with_record(version: Version, record) -> Version:
    return version if version.record is not None else dataclasses.replace(version, record=record)
