"""Idempotent writes shared by the demo loader and the spreadsheet importers.

`assign` sets plain values and per-language texts on an instance and reports whether anything
changed; `save_if_changed` validates and saves only then, so loading the same data twice writes
nothing the second time (and keeps `auto_now` timestamps and history quiet).
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import models

from napportal.richtext import RichTextField, sanitize_html

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]

Translations = Mapping[str, str | None] | str | None


def translated_values(field: str, value: Translations) -> dict[str, str]:
    """Expand `{"nl": ..., "en": ...}` (or a plain string, taken as Dutch) into column values.

    Languages that are not named are left alone, so an import that only has Dutch text does
    not wipe an English translation someone added in the portal.
    """
    if value is None:
        return {}
    if isinstance(value, str):
        value = {settings.MODELTRANSLATION_DEFAULT_LANGUAGE: value}
    unknown = set(value) - set(LANGUAGE_CODES)
    if unknown:
        raise ValueError(f"Unknown language code(s) for {field}: {', '.join(sorted(unknown))}")
    return {f"{field}_{code}": (text or "") for code, text in value.items()}


def assign(instance: models.Model, values: Mapping[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if isinstance(instance._meta.get_field(name), RichTextField):
            # Compare with what would be stored, or sanitised text always looks changed.
            value = sanitize_html(value)
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def save_if_changed(instance: models.Model, values: Mapping[str, Any]) -> bool:
    """Apply `values`; validate and save when new or changed. Returns True when written.

    A changed row with a `version` (optimistic locking, napportal.locking) gets the next one,
    so someone who opened it before the load gets an edit conflict instead of overwriting it."""
    changed = assign(instance, values)
    if instance.pk is not None and not changed:
        return False
    if instance.pk is not None and hasattr(instance, "version"):
        instance.version += 1
    instance.full_clean()
    instance.save()
    return True
