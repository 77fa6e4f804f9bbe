"""Optimistic locking: a save names the version it started from, and is refused (EditConflict)
when someone saved in between, so nobody silently overwrites another person's work.

Every object people edit carries a `version` that each save raises by one. The workflow's
service functions check it with `check_version`; the Django admin's change forms carry it as a
hidden field (`VersionedAdminMixin`, `VersionedInlineMixin`).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

VERSION_FIELD = "expected_version"


class EditConflict(Exception):
    """Someone saved the object after the acting user opened it."""

    def __init__(self, current: models.Model):
        self.current = current
        if current._meta.model_name == "progressentry":
            message = gettext("Someone else saved this entry while you were editing it.")
        else:
            message = gettext("Someone else saved this %(object)s while you were editing it.") % {
                "object": current._meta.verbose_name
            }
        super().__init__(message)


def check_version(model: type[models.Model], pk, expected_version: int | None) -> models.Model:
    """The current row, locked until the transaction ends; EditConflict when its version is
    not `expected_version`. Call inside transaction.atomic. None skips the comparison (a
    caller that did not read the object first, such as the embargo job), not the lock."""
    current = model.objects.select_for_update().get(pk=pk)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(current)
    return current


def conflict_text(current: models.Model) -> str:
    return gettext(
        "Someone else saved this %(object)s (now version %(version)s) while you were editing it. "
        "Your changes are still in the form and were not saved. Open the page again in another "
        "tab to compare them with the saved version, then save here to replace it."
    ) % {"object": current._meta.verbose_name, "version": current.version}


class VersionedFormMixin:
    """For a ModelForm of a model with `version`: the version the form was opened on travels as
    a hidden field; a save after someone else's is refused with the user's input kept, and the
    hidden field moves to the saved version so that saving again is a deliberate choice.

    `check_unchanged`: the main form of a change page is always checked and always raises the
    version (the admin saves it, and its inlines may change without it); an inline row only
    when it changed, as only changed rows are saved."""

    check_unchanged = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields[VERSION_FIELD].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        # Nothing but the version differs: saving writes back what is stored, overwriting
        # nothing (an unchanged inline row, for instance).
        changed = [name for name in self.changed_data if name != VERSION_FIELD]
        if not (changed or self.check_unchanged):
            return cleaned
        expected = cleaned.get(VERSION_FIELD)
        if expected is None:
            raise ValidationError(_("This form is missing the version it was opened on."))
        try:
            current = check_version(type(self.instance), self.instance.pk, expected)
        except EditConflict as conflict:
            data = self.data.copy()
            data[self.add_prefix(VERSION_FIELD)] = str(conflict.current.version)
            self.data = data
            raise ValidationError(conflict_text(conflict.current), code="conflict") from None
        self.instance.version = current.version + 1
        return cleaned


def versioned_form(
    form_class: type[forms.ModelForm], *, check_unchanged: bool = False
) -> type[forms.ModelForm]:
    if issubclass(form_class, VersionedFormMixin):
        return form_class
    # Declared on the class, so the admin's form factory accepts it in `fields`.
    field = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    return type(
        f"Versioned{form_class.__name__}",
        (VersionedFormMixin, form_class),
        {VERSION_FIELD: field, "check_unchanged": check_unchanged},
    )


class VersionedAdminMixin:
    """A ModelAdmin whose change form refuses to overwrite a newer version (the admin saves in
    one transaction, so the row stays locked from the check to the save)."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = versioned_form(kwargs.get("form") or self.form, check_unchanged=True)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        return fields if VERSION_FIELD in fields else [*fields, VERSION_FIELD]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        names = {name for _title, options in fieldsets for name in _flat(options["fields"])}
        if VERSION_FIELD in names:
            return fieldsets
        return [*fieldsets, (None, {"fields": [VERSION_FIELD], "classes": ["hidden"]})]


class VersionedInlineMixin:
    """The same for the rows of an inline: each row carries its own version."""

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = versioned_form(kwargs.get("form") or self.form)
        return super().get_formset(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        return fields if VERSION_FIELD in fields else [*fields, VERSION_FIELD]


class ParentVersionAdminMixin:
    """For rows that belong to a versioned object but have a change page of their own (an
    entry's figures, examples and references): saving or deleting one raises the parent's
    version, so whoever has the parent open gets a conflict instead of writing back the old
    rows."""

    version_parent = "entry"

    def _raise_parent_versions(self, parent_ids):
        parent = self.model._meta.get_field(self.version_parent).related_model
        parent.objects.filter(pk__in=list(parent_ids)).update(version=F("version") + 1)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._raise_parent_versions([getattr(obj, f"{self.version_parent}_id")])

    def delete_model(self, request, obj):
        self._raise_parent_versions([getattr(obj, f"{self.version_parent}_id")])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self._raise_parent_versions(queryset.values_list(f"{self.version_parent}_id", flat=True))
        super().delete_queryset(request, queryset)


def _flat(fields):
    for item in fields:
        if isinstance(item, list | tuple):
            yield from item
        else:
            yield item
