"""What the importers share: the result, the all-or-nothing run, and change counting."""

from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Model
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .cells import Cells
from .tabular import Problem

# Errors a row can cause while it is written; anything else is a bug and propagates (the
# transaction still rolls back).
ROW_ERRORS = (ValidationError, DatabaseError, ObjectDoesNotExist, ValueError)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, Counter] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def count(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += 1

    def total(self, outcome: str) -> int:
        return sum(counter[outcome] for counter in self.counts.values())

    def summary(self) -> str:
        if self.problems:
            return ngettext(
                "%(count)d problem found; nothing was written.",
                "%(count)d problems found; nothing was written.",
                len(self.problems),
            ) % {"count": len(self.problems)}
        text = _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "created": self.total(CREATED),
            "updated": self.total(UPDATED),
            "unchanged": self.total(UNCHANGED),
        }
        if self.dry_run:
            text = _("Dry run, nothing was written: %(summary)s") % {"summary": text}
        return text

    def details(self) -> list[str]:
        return [
            f"{kind}: "
            + ", ".join(
                f"{counter[outcome]} {outcome}" for outcome in (CREATED, UPDATED, UNCHANGED)
            )
            for kind, counter in self.counts.items()
        ]


@contextmanager
def rich_text_language(texts: dict[str, str]):
    """Save a translated rich-text field with a language active that has text.

    `RichTextField.pre_save` writes the sanitised value back through the untranslated base
    field, which modeltranslation routes to the active language: when that language is empty,
    the fallback text (another language's) would be stored as its translation. With a language
    active that has its own text, the write-back changes nothing. Keep the active language when
    it has text, so that messages stay in the user's language.
    """
    active = translation.get_language()
    if texts.get(active) or not any(texts.values()):
        yield
        return
    with translation.override(next(code for code, text in texts.items() if text)):
        yield


def snapshot(instance: Model | None) -> dict | None:
    if instance is None or instance.pk is None:
        return None
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def outcome(before: dict | None, after: dict | None) -> str:
    if before is None:
        return CREATED
    return UNCHANGED if before == after else UPDATED


def write_row(cells: Cells, column_for: Callable[[str], str | None], write: Callable[[], None]):
    """Run one row's writes in a savepoint; record what goes wrong against the row."""
    try:
        with transaction.atomic():
            write()
    except ValidationError as exc:
        cells.validation_error(exc, column_for)
        return False
    except ROW_ERRORS as exc:
        cells.problem(None, _("Could not be saved: %(error)s") % {"error": exc})
        return False
    return True


def run_all_or_nothing(result: ImportResult, apply: Callable[[], None]) -> ImportResult:
    """Write every row in one transaction; keep it only when no row had a problem."""
    with transaction.atomic():
        apply()
        if result.problems or result.dry_run:
            transaction.set_rollback(True)
    result.problems.sort(key=lambda p: p.row or 0)
    return result
