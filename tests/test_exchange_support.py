"""Helpers shared by the import and export tests (and a check that the helpers see changes)."""

import csv
import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from modeltranslation.translator import translator

from indicators.models import (
    DisaggregationCategory,
    Goal,
    Indicator,
    Organisation,
    Plan,
    PlanOrganisation,
    Responsibility,
    Subgoal,
)
from reporting.models import ProgressEntry, ProgressValue, ReportingRound

pytestmark = pytest.mark.django_db

EXAMPLES = Path(settings.BASE_DIR) / "fixtures" / "examples"
BELGIAN_PLAN = EXAMPLES / "belgium-shaped-plan.csv"
BELGIAN_PLAN_XLSX = EXAMPLES / "belgium-shaped-plan.xlsx"
BELGIAN_PROGRESS = EXAMPLES / "belgium-shaped-progress.csv"
BELGIAN_SLUG = "example-be-nap-4"


def full_dump() -> dict:
    """Every row of every table of the portal's apps (history included), with all columns."""
    dump = {}
    for app in ("accounts", "indicators", "reporting"):
        for model in apps.get_app_config(app).get_models():
            fields = [f.attname for f in model._meta.concrete_fields]
            dump[model._meta.label] = sorted(
                model.objects.order_by("pk").values_list(*fields), key=repr
            )
    return dump


def table_counts() -> dict:
    return {label: len(rows) for label, rows in full_dump().items()}


def write_queries(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


def capture():
    return CaptureQueriesContext(connection)


# -- natural dumps: the content without database ids, to compare after delete and re-import --

WORKFLOW_FIELDS = {
    "id",
    "created_at",
    "updated_at",
    "submitted_at",
    "submitted_by_id",
    "approved_at",
    "approved_by_id",
    "last_edited_by_id",
    "published_at",
}


def _natural(obj):
    if obj is None:
        return None
    match obj:
        case Plan() | Organisation():
            return obj.slug
        case Goal():
            return (obj.plan.slug, obj.number)
        case Subgoal():
            return (*_natural(obj.goal), obj.number)
        case Indicator():
            return (obj.plan.slug, obj.code)
        case DisaggregationCategory():
            return (*_natural(obj.indicator), obj.code)
        case ReportingRound():
            return (obj.plan.slug, obj.year)
        case ProgressEntry():
            return (
                _natural(obj.round),
                obj.organisation.slug,
                _natural(obj.goal),
                _natural(obj.subgoal),
                _natural(obj.indicator),
            )
    raise TypeError(obj)


def natural_dump(*models) -> dict:
    models = models or (
        Plan,
        Organisation,
        PlanOrganisation,
        Goal,
        Subgoal,
        Indicator,
        DisaggregationCategory,
        Responsibility,
        ProgressEntry,
        ProgressValue,
    )
    dump = {}
    for model in models:
        translated = (
            set(translator.get_options_for_model(model).fields)
            if model in translator.get_registered_models()
            else set()
        )
        rows = []
        for obj in model.objects.all():
            row = {}
            for f in model._meta.concrete_fields:
                if f.attname in WORKFLOW_FIELDS or f.name in translated:
                    continue
                if f.is_relation:
                    row[f.name] = _natural(getattr(obj, f.name))
                else:
                    value = getattr(obj, f.attname)
                    row[f.name] = (
                        ""
                        if value is None
                        and f.get_internal_type()
                        in (
                            "CharField",
                            "TextField",
                        )
                        else str(value)
                    )
            rows.append(tuple(sorted(row.items())))
        dump[model._meta.label] = sorted(rows, key=repr)
    return dump


# -- files ------------------------------------------------------------------------------------


def read_rows(path: Path = BELGIAN_PLAN) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def csv_bytes(columns, rows, *, encoding="utf-8", delimiter=",") -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(columns, rows, *, formulas: dict | None = None) -> bytes:
    """A workbook with `rows`; `formulas` maps (row index, column) to a formula to put there."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(column, "") or None for column in columns])
    for (index, column), formula in (formulas or {}).items():
        sheet.cell(row=index + 2, column=list(columns).index(column) + 1, value=formula)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row_number(rows, **match) -> int:
    """The spreadsheet row number (header is row 1) of the first row matching `match`."""
    for index, row in enumerate(rows):
        if all(str(row.get(key)) == str(value) for key, value in match.items()):
            return index + 2
    raise LookupError(match)


def make_belgian_round(year=2017) -> ReportingRound:
    return ReportingRound.objects.create(
        plan=Plan.objects.get(slug=BELGIAN_SLUG),
        year=year,
        opens_on=datetime.date(year + 1, 1, 15),
        deadline=datetime.date(year + 1, 3, 31),
        state=ReportingRound.State.OPEN,
    )


def test_full_dump_sees_a_changed_text():
    from tests.factories import GoalFactory

    goal = GoalFactory(title_en="Before")
    before = full_dump()
    Goal.objects.filter(pk=goal.pk).update(title_en="After")
    assert full_dump() != before


def test_natural_dump_ignores_database_ids():
    from tests.factories import GoalFactory, PlanFactory

    GoalFactory(plan=PlanFactory(slug="p", short_name="P"), number=1, title_nl="Doel")
    before = natural_dump(Plan, Goal)
    Plan.objects.all().delete()
    GoalFactory(plan=PlanFactory(slug="p", short_name="P"), number=1, title_nl="Doel")
    assert natural_dump(Plan, Goal) == before
