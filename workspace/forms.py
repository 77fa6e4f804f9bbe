"""Forms of the workspace: logging in, an entry with its figures, examples and comments."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indicators.i18n import localized
from indicators.models import Indicator
from reporting.models import Example, ProgressEntry, ProgressValue, Reference

from .selectors import language_name, plan_languages
from .widgets import RichTextWidget

CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
TOTAL = "value_total"


class WorkspaceLoginForm(AuthenticationForm):
    """Any active member of an organisation may log in; the staff flag plays no part."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.memberships.exists():
            raise ValidationError(
                _(
                    "This account is not a member of any organisation. Ask your coordinator to "
                    "add you to your organisation."
                ),
                code="no_membership",
            )


def conflict_message(current: ProgressEntry) -> str:
    editor = current.last_edited_by
    name = (editor.get_full_name() or editor.get_username()) if editor else gettext("unknown")
    return gettext(
        "Someone else saved this entry at %(time)s (%(name)s). Your text is kept below; compare "
        "it with the saved version and save again."
    ) % {"time": time_format(timezone.localtime(current.updated_at), "H:i"), "name": name}


def value_field(indicator: Indicator, label: str) -> forms.Field:
    """One input per figure; what it accepts depends on the indicator's kind."""
    if indicator.kind == Indicator.Kind.COUNT:
        return forms.IntegerField(
            label=label,
            required=False,
            min_value=0,
            error_messages={"min_value": _("A count cannot be negative.")},
            widget=forms.NumberInput(attrs={"min": 0, "step": 1, "class": "ws-number"}),
        )
    if indicator.kind == Indicator.Kind.PERCENTAGE:
        return forms.DecimalField(
            label=label,
            required=False,
            min_value=Decimal(0),
            max_value=Decimal(100),
            max_digits=5,
            decimal_places=2,
            error_messages={
                "min_value": _("A percentage lies between 0 and 100."),
                "max_value": _("A percentage lies between 0 and 100."),
            },
            widget=forms.NumberInput(
                attrs={"min": 0, "max": 100, "step": "0.01", "class": "ws-number"}
            ),
        )
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(0),
        max_digits=16,
        decimal_places=2,
        error_messages={"min_value": _("An amount cannot be negative.")},
        widget=forms.NumberInput(attrs={"min": 0, "step": "0.01", "class": "ws-number"}),
    )


class EntryForm(forms.ModelForm):
    """A progress entry as its organisation edits it.

    Which model fields take part is decided per entry by the admin's fieldsets; status,
    organisation, round, scope, approver and version are never among them. The figures are
    form fields of their own (`value_<category id>` and `value_total`), saved by `save_values`.
    """

    # The version the user opened; workflow.save_entry refuses a save on a stale one.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    # Set by the admin when re-rendering after an edit conflict: the saved entry.
    conflict: ProgressEntry | None = None

    class Meta:
        model = ProgressEntry
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        entry = self.instance
        self.plan_language = entry.round.plan.language
        self.languages = plan_languages(self.plan_language)
        if self.conflict is not None and self.is_bound:
            # The form now builds on the saved version: the next save, after review, goes in.
            self.data = self.data.copy()
            self.data[self.add_prefix("expected_version")] = str(self.conflict.version)
        self.initial.setdefault("expected_version", entry.version)
        for code in self.languages:
            name = language_name(code)
            if f"narrative_{code}" in self.fields:
                field = self.fields[f"narrative_{code}"]
                field.widget = RichTextWidget(attrs={"lang": code})
                field.label = gettext("Progress (%(language)s)") % {"language": name}
            if f"not_reported_reason_{code}" in self.fields:
                field = self.fields[f"not_reported_reason_{code}"]
                field.widget = forms.Textarea(attrs={"rows": 3, "lang": code})
                field.label = gettext("Reason (%(language)s)") % {"language": name}
        if "not_reported" in self.fields:
            self.fields["not_reported"].help_text = _(
                "Choose this when there is nothing to report or no data; then say why."
            )
        self.value_fields: list[tuple[object, str]] = []
        indicator = entry.indicator if entry.indicator_id else None
        if indicator is not None and indicator.is_quantitative:
            self._add_value_fields(entry, indicator)
        if "currency" in self.fields:
            currency = self.fields["currency"]
            currency.required = True
            currency.help_text = _("ISO 4217 code, e.g. EUR.")
            currency.widget.attrs.update({"size": 4, "autocomplete": "off"})
            if not entry.currency:
                self.initial.setdefault("currency", indicator.currency if indicator else "")

    def _add_value_fields(self, entry: ProgressEntry, indicator: Indicator) -> None:
        existing = {value.category_id: value.value for value in entry.values.all()}
        for category in indicator.categories.all():
            name = f"value_{category.pk}"
            label = localized(category, "label", fallback=self.plan_language).text
            self.fields[name] = value_field(indicator, label)
            self.value_fields.append((category, name))
        self.fields[TOTAL] = value_field(indicator, gettext("Total"))
        self.value_fields.append((None, TOTAL))
        for category, name in self.value_fields:
            value = existing.get(category.pk if category else None)
            if value is not None and indicator.kind == Indicator.Kind.COUNT:
                value = int(value)
            self.initial.setdefault(name, value)

    def clean_currency(self):
        currency = (self.cleaned_data.get("currency") or "").strip().upper()
        if currency and not CURRENCY_CODE.match(currency):
            raise ValidationError(_("Give the three-letter ISO 4217 code, e.g. EUR."))
        return currency

    def clean(self):
        cleaned = super().clean()
        if self.conflict is not None:
            self.add_error(None, conflict_message(self.conflict))
        return cleaned

    def _update_errors(self, errors):
        # The model names its fields without a language, and some that are not on this form
        # (scope, round): point each error at the field the user can correct, or at the form.
        if hasattr(errors, "error_dict"):
            remapped: dict[str, list] = {}
            for name, messages in errors.error_dict.items():
                remapped.setdefault(self._error_target(name), []).extend(messages)
            errors = ValidationError(remapped)
        super()._update_errors(errors)

    def _error_target(self, name: str) -> str:
        if name in self.fields or name == NON_FIELD_ERRORS:
            return name
        translated = f"{name}_{self.plan_language}"
        if translated in self.fields:
            return translated
        return NON_FIELD_ERRORS

    def save_values(self, entry: ProgressEntry) -> None:
        """Write the figures: one row per filled-in input, none for an emptied one."""
        if not self.value_fields:
            return
        rows = {row.category_id: row for row in ProgressValue.objects.filter(entry=entry)}
        for category, name in self.value_fields:
            value = self.cleaned_data.get(name)
            row = rows.get(category.pk if category else None)
            if value is None:
                if row is not None:
                    row.delete()
                continue
            if row is None:
                row = ProgressValue(entry=entry, category=category)
            elif row.value == value:
                continue
            row.entry = entry
            row.category = category
            row.value = Decimal(value)
            row.full_clean()
            row.save()


class ExampleForm(forms.ModelForm):
    class Meta:
        model = Example
        # The languages' titles and descriptions come from ExampleInline's fieldsets.
        fields = ["country", "partner", "link"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            code = name.rsplit("_", 1)[-1]
            if name.startswith("title_"):
                field.label = gettext("Title (%(language)s)") % {"language": language_name(code)}
            elif name.startswith("description_"):
                field.widget = RichTextWidget(attrs={"lang": code, "rows": 4})
                field.label = gettext("Description (%(language)s)") % {
                    "language": language_name(code)
                }

    def clean(self):
        cleaned = super().clean()
        titles = [name for name in self.fields if name.startswith("title_")]
        if titles and not any((cleaned.get(name) or "").strip() for name in titles):
            self.add_error(titles[0], _("Give the example a title."))
        return cleaned


class ReferenceForm(forms.ModelForm):
    class Meta:
        model = Reference
        fields = ["kind", "citation", "title", "url"]
        widgets = {
            "citation": forms.TextInput(attrs={"placeholder": "26 150, nr. 190", "size": 16}),
        }


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
