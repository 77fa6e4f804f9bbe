"""Writes of the workspace; each goes through `reporting.workflow`, which checks permission,
optimistic locking and history."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from reporting import workflow
from reporting.models import ProgressEntry

from .selectors import LANGUAGE_CODES, previous_entry


def copy_previous_text(*, acting_user, entry: ProgressEntry, expected_version: int) -> list[str]:
    """Start the draft from last year's text: each language the entry has no text in yet gets
    last year's. Text already written is never overwritten. Returns the languages filled.

    Raises EditConflict when the entry changed since `expected_version`, PermissionDenied when
    the user may not edit it, ValidationError when there is nothing to copy.
    """
    previous = previous_entry(entry)
    if previous is None:
        raise ValidationError(_("There is no entry of last year to copy from."))
    entry = ProgressEntry.objects.select_related("round__plan", "organisation").get(pk=entry.pk)
    filled = []
    for code in LANGUAGE_CODES:
        current = (getattr(entry, f"narrative_{code}", "") or "").strip()
        last_year = (getattr(previous, f"narrative_{code}", "") or "").strip()
        if last_year and not current:
            setattr(entry, f"narrative_{code}", last_year)
            filled.append(code)
    if not filled:
        raise ValidationError(
            _("Nothing was copied: the entry already has text in every language last year's has.")
        )
    workflow.save_entry(acting_user=acting_user, entry=entry, expected_version=expected_version)
    return filled
