"""Importing progress in the long format: one row per entry and category."""

import pytest
from django.utils import translation

from exchange.plans import import_plan
from exchange.progress import import_progress
from reporting.models import ProgressEntry, Reference
from tests.test_exchange_support import (
    BELGIAN_PLAN,
    BELGIAN_PROGRESS,
    BELGIAN_SLUG,
    capture,
    csv_bytes,
    full_dump,
    make_belgian_round,
    read_rows,
    row_number,
    table_counts,
    write_queries,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def belgian_round():
    assert import_plan(BELGIAN_PLAN.read_bytes(), BELGIAN_PLAN.name).problems == []
    return make_belgian_round(2017)


def import_example():
    result = import_progress(BELGIAN_PROGRESS.read_bytes(), BELGIAN_PROGRESS.name)
    assert result.problems == []
    return result


def test_belgian_progress_example_is_imported(belgian_round):
    result = import_example()

    entries = ProgressEntry.objects.filter(round=belgian_round)
    assert entries.count() == result.total("created") == 7
    defence = entries.get(organisation__slug="example-be-defence", indicator__code="2.1")
    assert defence.status == "submitted"
    assert {(v.category.code if v.category else None, v.value) for v in defence.values.all()} == {
        (None, 41),
        ("military", 38),
        ("civilian", 3),
    }
    assert "41 femmes" in defence.narrative_fr and "41 vrouwen" in defence.narrative_nl
    interior = entries.get(organisation__slug="example-be-interior")
    assert [(v.category.code, v.value) for v in interior.values.all()] == [("police", 6)]
    funding = entries.get(indicator__code="3.1")
    assert (funding.currency, funding.values.get().value) == ("EUR", 1250000)
    missing = entries.get(indicator__code="4.1")
    assert missing.not_reported == "no_data_available"
    assert "centralis" in missing.not_reported_reason_fr
    goal_level = entries.get(organisation__slug="example-be-foreign-affairs", goal__number=1)
    assert goal_level.indicator is None and goal_level.narrative_en


def test_a_text_in_one_language_is_not_copied_into_the_others(belgian_round):
    import_example()

    entry = ProgressEntry.objects.get(organisation__slug="example-be-interior")
    assert (entry.narrative_nl, entry.narrative_en) in {
        (None, None),
        ("", ""),
        (None, ""),
        ("", None),
    }
    assert entry.narrative_fr.startswith("<p>Exemple fictif")


def test_importing_the_same_progress_again_writes_nothing(belgian_round):
    import_example()
    before = full_dump()

    with capture() as queries:
        result = import_progress(BELGIAN_PROGRESS.read_bytes(), BELGIAN_PROGRESS.name)

    assert result.problems == []
    assert write_queries(queries) == []
    assert full_dump() == before
    assert result.total("unchanged") == 7


def test_a_changed_value_updates_the_entry_raises_its_version_and_drops_values_left_out(
    belgian_round,
):
    import_example()
    columns, rows = read_rows(BELGIAN_PROGRESS)
    defence = ProgressEntry.objects.get(organisation__slug="example-be-defence")
    version = defence.version
    rows[row_number(rows, category="military") - 2]["value"] = "39"
    del rows[row_number(rows, category="civilian") - 2]

    result = import_progress(csv_bytes(columns, rows), "progress.csv")

    assert result.problems == []
    assert result.total("updated") == 1
    defence.refresh_from_db()
    assert defence.version == version + 1
    assert sorted(
        (v.category.code if v.category else "", v.value) for v in defence.values.all()
    ) == [("", 41), ("military", 39)]


def test_references_and_examples_are_left_alone(belgian_round):
    import_example()
    entry = ProgressEntry.objects.get(indicator__code="4.2")
    Reference.objects.create(entry=entry, position=3, kind="document", title="Rapport")
    Reference.objects.create(entry=entry, position=3, kind="url", url="https://example.org")
    before = full_dump()

    with capture() as queries:
        import_example()

    assert write_queries(queries) == []
    assert full_dump() == before


def test_status_left_empty_keeps_the_entrys_status(belgian_round):
    import_example()
    columns, rows = read_rows(BELGIAN_PROGRESS)
    for row in rows:
        row["status"] = ""

    with capture() as queries:
        result = import_progress(csv_bytes(columns, rows), "progress.csv")

    assert result.problems == []
    assert write_queries(queries) == []


# -- bad files --------------------------------------------------------------------------------


def bad_import(columns, rows, *, fmt="csv", **kwargs):
    import_example()
    rows = [dict(row) for row in rows]
    rows[0]["narrative_en"] = "<p>Changed, must not be saved.</p>"  # a good change
    before, counts = full_dump(), table_counts()
    content = csv_bytes(columns, rows) if fmt == "csv" else xlsx_bytes(columns, rows, **kwargs)
    result = import_progress(content, f"progress.{fmt}")
    assert result.problems, "the bad file was accepted"
    assert table_counts() == counts
    assert full_dump() == before
    return result


def test_missing_round_is_refused_naming_plan_and_year(belgian_round):
    columns, rows = read_rows(BELGIAN_PROGRESS)
    rows.append({**rows[0], "year": "2018"})

    result = bad_import(columns, rows)

    assert [(p.row, p.column) for p in result.problems] == [(len(rows) + 1, "year")]
    assert BELGIAN_SLUG in result.problems[0].message
    assert "2018" in result.problems[0].message


def test_unknown_goal_indicator_category_and_organisation_are_refused(belgian_round):
    columns, rows = read_rows(BELGIAN_PROGRESS)
    base = rows[row_number(rows, indicator="2.2") - 2]
    rows += [
        {**base, "goal": "8"},
        {**base, "indicator": "2.9"},
        {**base, "indicator": "2.1", "category": "navy"},
        {**base, "organisation": "example-be-finance"},
        {**base, "indicator": "3.1"},  # belongs to goal 3
    ]
    n = len(rows) + 1

    result = bad_import(columns, rows)

    assert [(p.row, p.column) for p in result.problems] == [
        (n - 4, "goal"),
        (n - 3, "indicator"),
        (n - 2, "category"),
        (n - 1, "organisation"),
        (n, "indicator"),
    ]


def test_text_in_the_value_column_is_refused(belgian_round):
    columns, rows = read_rows(BELGIAN_PROGRESS)
    row = row_number(rows, category="military")
    rows[row - 2]["value"] = "thirty-eight"

    result = bad_import(columns, rows)

    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (row, "value", "'thirty-eight' is not a number.")
    ]


def test_narrative_must_be_the_same_on_every_row_of_an_entry(belgian_round):
    columns, rows = read_rows(BELGIAN_PROGRESS)
    row = row_number(rows, category="civilian")
    rows[row - 2]["narrative_fr"] = "<p>Autre texte.</p>"

    result = bad_import(columns, rows)

    assert [(p.row, p.column) for p in result.problems] == [(row, "narrative_fr")]
    assert (
        f"row {row_number(rows, organisation='example-be-defence')}" in result.problems[0].message
    )


def test_duplicate_rows_are_refused(belgian_round):
    columns, rows = read_rows(BELGIAN_PROGRESS)
    rows.append(dict(rows[row_number(rows, category="military") - 2]))

    result = bad_import(columns, rows)

    assert [(p.row, p.column) for p in result.problems] == [(len(rows) + 1, "category")]


def test_model_validation_of_values_is_reported_against_their_rows(belgian_round):
    columns, rows = read_rows(BELGIAN_PROGRESS)
    percentage = row_number(rows, indicator="2.2")
    count = row_number(rows, category="civilian")
    qualitative = row_number(rows, indicator="4.2")
    rows[percentage - 2]["value"] = "130"
    rows[count - 2]["value"] = "2.5"
    rows[qualitative - 2]["value"] = "3"

    with translation.override("en"):
        result = bad_import(columns, rows)

    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (count, "value", "A count is a whole number."),
        (percentage, "value", "A percentage lies between 0 and 100."),
        (qualitative, "value", "Only quantitative indicators take numeric values."),
    ]


def test_not_reported_needs_a_reason(belgian_round):
    columns, rows = read_rows(BELGIAN_PROGRESS)
    row = row_number(rows, indicator="4.1")
    for language in ("nl", "en", "fr"):
        rows[row - 2][f"not_reported_reason_{language}"] = ""

    result = bad_import(columns, rows)

    assert [(p.row, p.column) for p in result.problems] == [(row, "not_reported_reason_fr")]


def test_xlsx_with_a_formula_in_the_value_column_is_refused(belgian_round):
    columns, rows = read_rows(BELGIAN_PROGRESS)
    row = row_number(rows, indicator="3.1")

    result = bad_import(columns, rows, fmt="xlsx", formulas={(row - 2, "value"): "=1000*1250"})

    assert [(p.row, p.column) for p in result.problems] == [(row, "value")]
    assert "paste values" in result.problems[0].message


def test_every_bad_row_is_reported(belgian_round):
    columns, rows = read_rows(BELGIAN_PROGRESS)
    rows[0]["status"] = "finished"
    rows[row_number(rows, category="police") - 2]["value"] = ""
    rows[row_number(rows, indicator="2.2") - 2]["year"] = "last year"
    rows[row_number(rows, indicator="4.1") - 2]["not_reported"] = "maybe"

    result = bad_import(columns, rows)

    assert {(p.row, p.column) for p in result.problems} == {
        (2, "status"),
        (row_number(rows, category="police"), "value"),
        (row_number(rows, indicator="2.2"), "year"),
        (row_number(rows, indicator="4.1"), "not_reported"),
    }
