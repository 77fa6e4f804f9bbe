"""Typed access to one row's cells; every problem is recorded against the row and column."""

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from .tabular import Problem, Row

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
_INTEGER = re.compile(r"^[+-]?\d+(\.0*)?$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def language_columns(field: str) -> list[str]:
    return [f"{field}_{code}" for code in LANGUAGE_CODES]


class Cells:
    def __init__(self, row: Row, columns: Iterable[str], problems: list[Problem]):
        self.row = row
        self.columns = set(columns)
        self.problems = problems
        self.failed = False

    @property
    def number(self) -> int:
        return self.row.number

    def problem(self, column: str | None, message: str) -> None:
        self.failed = True
        self.problems.append(Problem(self.row.number, column, str(message)))

    def has(self, column: str) -> bool:
        return column in self.columns

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.row[column]
        if required and not value:
            self.problem(column, _("A value is required."))
        return value

    def integer(self, column: str, *, required: bool = False) -> int | None:
        value = self.text(column, required=required)
        if not value:
            return None
        if not _INTEGER.match(value):
            self.problem(column, _("%(value)r is not a whole number.") % {"value": value})
            return None
        return int(Decimal(value))

    def decimal(self, column: str, *, required: bool = False) -> Decimal | None:
        value = self.text(column, required=required)
        if not value:
            return None
        if not _DECIMAL.match(value):
            message = _("%(value)r is not a number.") % {"value": value}
            if "," in value:
                message += " " + _("Use a point as decimal separator and no thousands separator.")
            self.problem(column, message)
            return None
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern already guards this
            self.problem(column, _("%(value)r is not a number.") % {"value": value})
            return None

    def choice(self, column: str, choices: Iterable[str], *, required: bool = False) -> str:
        value = self.text(column, required=required).lower()
        allowed = list(choices)
        if value and value not in allowed:
            self.problem(
                column,
                _("%(value)r is not allowed; use one of: %(choices)s.")
                % {"value": value, "choices": ", ".join(allowed)},
            )
            return ""
        return value

    def texts(self, field: str, existing=None) -> dict[str, str]:
        """The per-language texts of `field` for the translation services.

        Only languages with a column in the file are named, so other languages are left alone.
        An empty cell clears a text, but is left out when there is nothing to clear, so that an
        untranslated (NULL) text does not count as a change.
        """
        result = {}
        for code in LANGUAGE_CODES:
            column = f"{field}_{code}"
            if column not in self.columns:
                continue
            value = self.row[column]
            if value or (existing is not None and getattr(existing, column, None)):
                result[code] = value
        return result

    def final_texts(self, field: str, existing=None) -> dict[str, str]:
        """Each language's text of `field` once the row is written: the cell where the file
        has the column, else what is stored now."""
        return {
            code: (
                self.row[f"{field}_{code}"]
                if f"{field}_{code}" in self.columns
                else (getattr(existing, f"{field}_{code}", None) or "")
            )
            for code in LANGUAGE_CODES
        }

    def only(self, allowed: Iterable[str], kind: str) -> None:
        """Columns outside `allowed` must be empty in rows of this kind."""
        allowed = set(allowed)
        for column, value in self.row.values.items():
            if value and column not in allowed:
                self.problem(
                    column, _("Not used in %(kind)s rows; leave it empty.") % {"kind": kind}
                )

    def validation_error(self, exc: ValidationError, column_for) -> None:
        """Record the messages of a model's ValidationError against this row."""
        if not hasattr(exc, "error_dict"):
            exc = ValidationError({NON_FIELD_ERRORS: exc.error_list})
        for fieldname, errors in exc.error_dict.items():
            column = column_for(fieldname)
            for message in ValidationError(errors).messages:
                if column is None and fieldname != NON_FIELD_ERRORS:
                    message = f"{fieldname}: {message}"
                self.problem(column, message)
