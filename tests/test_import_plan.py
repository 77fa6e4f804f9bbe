"""Importing a plan from one spreadsheet: all rows valid and written, or nothing written."""

import pytest
from django.utils import translation

from exchange.plans import import_plan
from indicators.models import Goal, Indicator, Organisation, Plan, Subgoal
from tests.factories import GoalFactory, PlanFactory
from tests.test_exchange_support import (
    BELGIAN_PLAN,
    BELGIAN_PLAN_XLSX,
    BELGIAN_SLUG,
    capture,
    csv_bytes,
    full_dump,
    natural_dump,
    read_rows,
    row_number,
    table_counts,
    write_queries,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def import_example():
    result = import_plan(BELGIAN_PLAN.read_bytes(), BELGIAN_PLAN.name)
    assert result.problems == []
    return Plan.objects.get(slug=BELGIAN_SLUG)


def problems_of(result) -> set[tuple]:
    return {(p.row, p.column) for p in result.problems}


def test_belgian_shaped_plan_has_six_objectives_no_subgoals_and_five_organisations():
    result = import_plan(BELGIAN_PLAN.read_bytes(), BELGIAN_PLAN.name)

    assert result.problems == []
    plan = Plan.objects.get(slug=BELGIAN_SLUG)
    assert (plan.country.code, plan.language, plan.edition) == ("BE", "fr", 4)
    assert (plan.first_year, plan.last_year) == (2017, 2021)
    assert plan.goals.count() == 6
    assert not Subgoal.objects.filter(goal__plan=plan).exists()
    assert plan.participations.count() == 5
    assert plan.organisations.filter(participations__role="coordinator").count() == 1
    assert plan.indicators.filter(subgoal__isnull=True).count() == plan.indicators.count() > 0
    assert set(plan.indicators.values_list("kind", flat=True)) == set(Indicator.Kind.values)
    deployed = plan.indicators.get(code="2.1")
    assert list(deployed.categories.values_list("code", flat=True)) == [
        "military",
        "police",
        "civilian",
    ]
    assert (deployed.baseline, deployed.target) == (48, 75)
    assert "example" in plan.title_en.lower() and "exemple" in plan.title_fr.lower()
    assert plan.goals.get(number=1).title_nl  # texts in all three languages
    assert result.total("created") == 39


def test_importing_the_same_plan_again_writes_nothing():
    import_example()
    before = full_dump()

    with capture() as queries:
        result = import_plan(BELGIAN_PLAN.read_bytes(), BELGIAN_PLAN.name)

    assert result.problems == []
    assert write_queries(queries) == []
    assert full_dump() == before
    assert result.total("created") == result.total("updated") == 0


def test_xlsx_example_gives_the_same_plan_as_the_csv():
    import_example()
    expected = natural_dump()
    Plan.objects.filter(slug=BELGIAN_SLUG).delete()
    Organisation.objects.all().delete()

    result = import_plan(BELGIAN_PLAN_XLSX.read_bytes(), BELGIAN_PLAN_XLSX.name)

    assert result.problems == []
    assert natural_dump() == expected


def test_a_changed_row_updates_only_that_object():
    import_example()
    columns, rows = read_rows()
    rows[row_number(rows, type="goal", goal=3) - 2]["title_en"] = "Prevent violence"

    result = import_plan(csv_bytes(columns, rows), "plan.csv")

    assert result.problems == []
    assert result.total("updated") == 1
    assert Goal.objects.get(plan__slug=BELGIAN_SLUG, number=3).title_en == "Prevent violence"


def test_absent_language_columns_leave_those_translations_alone():
    plan = import_example()
    columns, rows = read_rows()
    columns = [c for c in columns if not c.endswith("_en")]
    rows = [{k: v for k, v in row.items() if not k.endswith("_en")} for row in rows]

    with capture() as queries:
        result = import_plan(csv_bytes(columns, rows), "plan.csv")

    assert result.problems == []
    assert write_queries(queries) == []
    assert plan.goals.get(number=1).title_en


# -- bad files: nothing is written, and each problem names its row and column ---------------


def bad_import(columns, rows, *, fmt="csv", **kwargs):
    """Import after the example is in; the bad file also changes a good row, which must not be
    written either."""
    import_example()
    rows = [dict(row) for row in rows]
    rows[row_number(rows, type="goal", goal=1) - 2]["title_en"] = "Changed, must not be saved"
    before, counts = full_dump(), table_counts()
    content = csv_bytes(columns, rows) if fmt == "csv" else xlsx_bytes(columns, rows, **kwargs)
    result = import_plan(content, f"plan.{fmt}")
    assert result.problems, "the bad file was accepted"
    assert not result.written
    assert table_counts() == counts
    assert full_dump() == before
    return result


def test_unknown_goal_number_is_refused():
    columns, rows = read_rows()
    rows.append(
        {
            "type": "indicator",
            "plan_slug": BELGIAN_SLUG,
            "goal": "9",
            "indicator": "9.1",
            "kind": "count",
            "text_fr": "Nombre",
        }
    )

    result = bad_import(columns, rows)

    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (len(rows) + 1, "goal", f"Unknown goal 9 in plan {BELGIAN_SLUG}.")
    ]


def test_text_in_a_numeric_column_is_refused():
    columns, rows = read_rows()
    row = row_number(rows, type="indicator", indicator="2.2")
    rows[row - 2]["baseline"] = "twenty-five"
    rows[row - 2]["baseline_year"] = "2016 or so"

    result = bad_import(columns, rows)

    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (row, "baseline", "'twenty-five' is not a number."),
        (row, "baseline_year", "'2016 or so' is not a whole number."),
    ]


def test_decimal_comma_gets_a_hint():
    columns, rows = read_rows()
    row = row_number(rows, type="indicator", indicator="2.2")
    rows[row - 2]["target"] = "40,5"

    result = bad_import(columns, rows)

    assert problems_of(result) == {(row, "target")}
    assert "decimal separator" in result.problems[0].message


def test_missing_required_column_is_refused():
    columns, rows = read_rows()
    columns.remove("kind")
    rows = [{k: v for k, v in row.items() if k != "kind"} for row in rows]

    result = bad_import(columns, rows)

    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (1, "kind", "Missing required column.")
    ]


def test_duplicate_rows_are_refused():
    columns, rows = read_rows()
    first = row_number(rows, type="indicator", indicator="3.1")
    rows.append(dict(rows[first - 2]))

    result = bad_import(columns, rows)

    assert [(p.row, p.column) for p in result.problems] == [(len(rows) + 1, "indicator")]
    assert f"row {first}" in result.problems[0].message


def test_values_outside_the_allowed_choices_are_refused():
    columns, rows = read_rows()
    indicator = row_number(rows, type="indicator", indicator="1.1")
    organisation = row_number(rows, type="organisation", organisation="example-be-defence")
    goal = row_number(rows, type="goal", goal=2)
    rows[indicator - 2]["kind"] = "ratio"
    rows[organisation - 2]["kind"] = "ngo"
    rows[organisation - 2]["role"] = "boss"
    rows[goal - 2]["pillar"] = "peace"

    result = bad_import(columns, rows)

    assert problems_of(result) == {
        (indicator, "kind"),
        (organisation, "kind"),
        (organisation, "role"),
        (goal, "pillar"),
    }
    message = next(p.message for p in result.problems if p.row == indicator)
    assert message == "'ratio' is not allowed; use one of: count, percentage, amount, qualitative."


def test_cp1252_encoded_file_is_refused():
    columns, rows = read_rows()
    import_example()
    before = full_dump()

    result = import_plan(csv_bytes(columns, rows, encoding="cp1252"), "plan.csv")

    assert len(result.problems) == 1
    assert "UTF-8" in result.problems[0].message
    assert result.problems[0].row == row_number(rows, type="plan")  # the first accented text
    assert full_dump() == before


def test_empty_file_is_refused():
    import_example()
    before = full_dump()

    result = import_plan(b"", "plan.csv")

    assert [str(p) for p in result.problems] == ["The file is empty."]
    assert full_dump() == before


def test_xlsx_with_a_formula_cell_is_refused():
    columns, rows = read_rows()
    row = row_number(rows, type="indicator", indicator="6.1")

    result = bad_import(columns, rows, fmt="xlsx", formulas={(row - 2, "target"): "=2*2"})

    assert [(p.row, p.column) for p in result.problems] == [(row, "target")]
    assert "Formulas are not allowed; paste values" in result.problems[0].message


def test_every_bad_row_of_a_file_is_reported():
    columns, rows = read_rows()
    rows[row_number(rows, type="indicator", indicator="1.2") - 2]["target"] = "lots"
    rows[row_number(rows, type="category", category="police") - 2]["indicator"] = "2.9"
    rows[row_number(rows, type="responsibility", indicator="4.2") - 2]["organisation"] = "nobody"
    rows[row_number(rows, type="goal", goal=5) - 2]["goal"] = ""
    rows.append({"type": "objective", "plan_slug": BELGIAN_SLUG})

    result = bad_import(columns, rows)

    assert problems_of(result) == {
        (row_number(rows, type="indicator", indicator="1.2"), "target"),
        (row_number(rows, type="category", category="police"), "indicator"),
        (row_number(rows, type="responsibility", indicator="4.2"), "organisation"),
        (row_number(rows, type="goal", pillar="relief_recovery"), "goal"),
        (len(rows) + 1, "type"),
    }
    assert [p.row for p in result.problems] == sorted(p.row for p in result.problems)


def test_model_validation_is_reported_against_the_row():
    columns, rows = read_rows()
    percentage = row_number(rows, type="indicator", indicator="2.2")
    amount = row_number(rows, type="indicator", indicator="5.1")
    rows[percentage - 2]["target"] = "140"
    rows[amount - 2]["currency"] = ""

    with translation.override("en"):
        result = bad_import(columns, rows)

    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (percentage, "target", "A percentage lies between 0 and 100."),
        (amount, "currency", "An amount needs a currency."),
    ]


def test_a_new_item_without_any_title_is_refused_against_the_plans_language_column():
    columns, rows = read_rows()
    rows.append({"type": "goal", "plan_slug": BELGIAN_SLUG, "goal": "7"})

    result = bad_import(columns, rows)

    assert [(p.row, p.column) for p in result.problems] == [(len(rows) + 1, "title_fr")]


def test_columns_that_do_not_belong_to_a_row_type_must_be_empty():
    columns, rows = read_rows()
    row = row_number(rows, type="goal", goal=2)
    rows[row - 2]["kind"] = "count"

    result = bad_import(columns, rows)

    assert problems_of(result) == {(row, "kind")}


def test_responsibility_must_name_the_goal_its_indicator_belongs_to():
    columns, rows = read_rows()
    row = row_number(rows, type="responsibility", indicator="4.2")
    rows[row - 2]["goal"] = "3"

    result = bad_import(columns, rows)

    assert [(p.row, p.column) for p in result.problems] == [(row, "indicator")]
    assert "belongs to goal 4" in result.problems[0].message


def test_rows_for_an_unknown_plan_are_refused_once():
    columns, _rows = read_rows()
    rows = [
        {"type": "goal", "plan_slug": "nope", "goal": "1", "title_nl": "Doel"},
        {"type": "goal", "plan_slug": "nope", "goal": "2", "title_nl": "Doel"},
    ]

    result = import_plan(csv_bytes(columns, rows), "plan.csv")

    assert [(p.row, p.column) for p in result.problems] == [(2, "plan_slug")]
    assert "Unknown plan nope" in result.problems[0].message
    assert not Goal.objects.exists()


def test_dry_run_checks_everything_but_writes_nothing():
    before = full_dump()

    result = import_plan(BELGIAN_PLAN.read_bytes(), BELGIAN_PLAN.name, dry_run=True)

    assert result.problems == []
    assert result.total("created") == 39
    assert full_dump() == before


def test_a_file_may_add_to_an_existing_plan_without_its_plan_row():
    plan = PlanFactory(slug="nl-5", language="nl")
    GoalFactory(plan=plan, number=1)
    columns, _rows = read_rows()
    rows = [
        {"type": "subgoal", "plan_slug": "nl-5", "goal": "1", "subgoal": "1.1", "title_nl": "Sub"},
        {
            "type": "indicator",
            "plan_slug": "nl-5",
            "goal": "1",
            "subgoal": "1.1",
            "indicator": "1.1.a",
            "kind": "count",
            "text_nl": "Aantal",
        },
    ]

    result = import_plan(csv_bytes(columns, rows), "more.csv")

    assert result.problems == []
    assert Indicator.objects.get(plan=plan, code="1.1.a").subgoal.number == "1.1"


def test_an_organisation_listed_for_two_plans_must_be_described_the_same():
    columns, rows = read_rows()
    organisation = rows[
        row_number(rows, type="organisation", organisation="example-be-defence") - 2
    ]
    second_plan = [
        {**rows[0], "plan_slug": "example-be-nap-5", "short_name": "PAN-V", "edition": "5"},
        {**organisation, "plan_slug": "example-be-nap-5", "name_en": "Ministry of Defence"},
    ]

    result = bad_import(columns, rows + second_plan)

    assert [(p.row, p.column) for p in result.problems] == [(len(rows) + 3, "name_en")]
    assert "described differently in row" in result.problems[0].message
