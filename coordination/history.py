"""Differences between two recorded versions of an entry (django-simple-history).

Every workflow step stores the entry's history record (EntryTransition.history_id), so the
version a coordinator approved can be set beside the version submitted later, field by field,
with the values, references and examples as they stood at each moment.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from reporting.models import EntryTransition, Example, ProgressEntry, ProgressValue, Reference

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
Status = ProgressEntry.Status


@dataclass
class Version:
    history_id: int
    transition: EntryTransition

    @property
    def label(self) -> str:
        return self.transition.get_to_status_display()


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    segments: list[tuple[str, str]] = field(default_factory=list)  # (equal|delete|insert, text)


@dataclass
class ListChange:
    label: str
    removed: list[str]
    added: list[str]


@dataclass
class Comparison:
    old: Version
    new: Version
    fields: list[FieldChange]
    lists: list[ListChange]

    @property
    def unchanged(self) -> bool:
        return not self.fields and not self.lists


def _field_labels() -> dict[str, str]:
    labels = {"not_reported": _("Not reported"), "currency": _("Currency")}
    for code in LANGUAGE_CODES:
        labels[f"narrative_{code}"] = _("Progress (%(language)s)") % {"language": code.upper()}
        labels[f"not_reported_reason_{code}"] = _("Reason not reported (%(language)s)") % {
            "language": code.upper()
        }
    return labels


def versions(entry: ProgressEntry) -> list[Version]:
    """The recorded versions of the entry, one per workflow step (transitions prefetched)."""
    return [
        Version(history_id=transition.history_id, transition=transition)
        for transition in entry.transitions.all()
        if transition.history_id
    ]


def suggested_pairs(entry: ProgressEntry) -> list[tuple[str, Version, Version]]:
    """The comparisons a reviewer most likely wants, newest version last in each pair."""
    steps = versions(entry)
    submitted = [v for v in steps if v.transition.to_status == Status.SUBMITTED]
    approved = [v for v in steps if v.transition.to_status == Status.APPROVED]
    pairs = []
    if submitted:
        latest = submitted[-1]
        earlier_approval = [v for v in approved if v.history_id < latest.history_id]
        if earlier_approval:
            pairs.append((_("Changes since the approved version"), earlier_approval[-1], latest))
        if len(submitted) > 1:
            pairs.append((_("Changes since the previous submission"), submitted[-2], latest))
        later_approval = [v for v in approved if v.history_id > latest.history_id]
        if later_approval:
            pairs.append(
                (_("Submitted and approved version"), latest, later_approval[-1]),
            )
    return pairs


def _words(html: str) -> list[str]:
    return strip_tags(html or "").split()


def _segments(old: str, new: str) -> list[tuple[str, str]]:
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


def _value_text(record, categories: dict[int, str]) -> str:
    label = categories.get(record.category_id, _("Total")) if record.category_id else _("Total")
    return f"{label}: {record.value.normalize():f}"


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


def _snapshots(model, entry_id: int, old_date, new_date, describe) -> tuple[list[str], list[str]]:
    """The rows of `model` belonging to the entry as they were at two moments (one query)."""
    records = model.history.filter(entry_id=entry_id, history_date__lte=new_date).order_by(
        "history_date", "history_id"
    )
    old_state: dict[int, object] = {}
    new_state: dict[int, object] = {}
    for record in records:
        states = [new_state] if record.history_date > old_date else [old_state, new_state]
        for state in states:
            if record.history_type == "-":
                state.pop(record.id, None)
            else:
                state[record.id] = record
    return (
        [describe(record) for record in old_state.values()],
        [describe(record) for record in new_state.values()],
    )


def compare(entry: ProgressEntry, old_id: int, new_id: int) -> Comparison | None:
    """The differences between two history records of the entry, or None if either is not one
    of its recorded versions."""
    by_id = {version.history_id: version for version in versions(entry)}
    if old_id not in by_id or new_id not in by_id:
        return None
    records = {
        record.history_id: record
        for record in entry.history.filter(history_id__in=[old_id, new_id])
    }
    if old_id not in records or new_id not in records:
        return None
    if old_id > new_id:
        old_id, new_id = new_id, old_id
    old, new = records[old_id], records[new_id]
    labels = _field_labels()
    fields = []
    if old_id != new_id:
        delta = new.diff_against(old, included_fields=list(labels))
        for change in sorted(delta.changes, key=lambda c: list(labels).index(c.field)):
            old_text, new_text = change.old or "", change.new or ""
            fields.append(
                FieldChange(
                    label=labels[change.field],
                    old=old_text,
                    new=new_text,
                    segments=_segments(old_text, new_text),
                )
            )
    categories = {}
    if entry.indicator_id:
        categories = {category.pk: category.label for category in entry.indicator.categories.all()}
    lists = []
    for label, model, describe in (
        (_("Values"), ProgressValue, lambda record: _value_text(record, categories)),
        (_("References"), Reference, _reference_text),
        (_("Examples"), Example, _example_text),
    ):
        before, after = _snapshots(model, entry.pk, old.history_date, new.history_date, describe)
        removed = list((Counter(before) - Counter(after)).elements())
        added = list((Counter(after) - Counter(before)).elements())
        if removed or added:
            lists.append(ListChange(label=label, removed=removed, added=added))
    return Comparison(old=by_id[old_id], new=by_id[new_id], fields=fields, lists=lists)
