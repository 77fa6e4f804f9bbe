"""Exports are the exact inverse of the imports: export → import gives back the same data."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from exchange.exports import export_plan, export_plans, export_progress
from exchange.plans import import_plan
from exchange.progress import import_progress
from indicators.models import Goal, Organisation, Plan
from reporting.models import ProgressEntry, ProgressValue
from tests.factories import (
    CategoryFactory,
    EntryFactory,
    GoalFactory,
    IndicatorFactory,
    OrganisationFactory,
    PlanFactory,
    PlanOrganisationFactory,
    ResponsibilityFactory,
    RoundFactory,
    SubgoalFactory,
    ValueFactory,
)
from tests.test_exchange_support import (
    BELGIAN_PLAN,
    BELGIAN_PROGRESS,
    BELGIAN_SLUG,
    capture,
    full_dump,
    make_belgian_round,
    natural_dump,
    write_queries,
)

pytestmark = pytest.mark.django_db

FORMATS = ["csv", "xlsx"]


def reimport_without_writes(importer, filename, content):
    before = full_dump()
    with capture() as queries:
        result = importer(content, filename)
    assert result.problems == []
    assert write_queries(queries) == []
    assert full_dump() == before
    return result


def make_plan() -> Plan:
    """A plan of another shape: subgoals, indicators on goals and subgoals, every kind."""
    plan = PlanFactory(
        slug="nl-round-trip",
        short_name="RT",
        title_nl="Rondreis",
        title_en="Round trip",
        description_nl="<p>Een <strong>plan</strong>.</p>",
    )
    goal = GoalFactory(plan=plan, number=1, title_nl="Eén", title_fr="Un", pillar="prevention")
    GoalFactory(plan=plan, number=2, title_nl="Twee", pillar="")
    subgoal = SubgoalFactory(goal=goal, number="1.1", position=0, title_nl="Sub")
    SubgoalFactory(goal=goal, number="1.2", position=1, title_nl="Sub twee")
    on_goal = IndicatorFactory(
        goal=goal, code="1.a", kind="percentage", baseline=Decimal("12.5"), baseline_year=2020
    )
    on_subgoal = IndicatorFactory(
        goal=goal,
        subgoal=subgoal,
        code="1.1.a",
        position=1,
        kind="amount",
        currency="EUR",
        target=Decimal("2500000.75"),
        unit_nl="euro",
    )
    IndicatorFactory(goal=goal, subgoal=subgoal, code="1.1.b", position=0, kind="qualitative")
    CategoryFactory(indicator=on_subgoal, code="a", position=1, label_nl="A", label_en="A")
    CategoryFactory(indicator=on_subgoal, code="b", position=0, label_nl="B")
    ministry = OrganisationFactory(slug="bz", country="NL", website="https://example.org")
    agency = OrganisationFactory(slug="rvo", kind="agency", abbreviation_nl="")
    responsible_only = OrganisationFactory(slug="ngo", kind="civil_society")
    PlanOrganisationFactory(plan=plan, organisation=ministry, role="coordinator")
    PlanOrganisationFactory(plan=plan, organisation=agency, role="signatory")
    ResponsibilityFactory(organisation=ministry, goal=goal)
    ResponsibilityFactory(organisation=agency, goal=goal, subgoal=subgoal, indicator=on_subgoal)
    ResponsibilityFactory(organisation=responsible_only, goal=goal, indicator=on_goal)
    return plan


@pytest.mark.parametrize("fmt", FORMATS)
def test_plan_export_reimports_to_the_same_plan(fmt):
    plan = make_plan()
    expected = natural_dump()
    filename, _content_type, content = export_plan(plan, fmt)
    assert _content_type.startswith(("text/csv", "application/vnd.openxmlformats"))
    assert filename == f"nl-round-trip-plan.{fmt}"

    reimport_without_writes(import_plan, filename, content)

    Plan.objects.all().delete()
    Organisation.objects.all().delete()
    result = import_plan(content, filename)
    assert result.problems == []
    assert natural_dump() == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_belgian_example_round_trips_through_export(fmt):
    assert import_plan(BELGIAN_PLAN.read_bytes(), BELGIAN_PLAN.name).problems == []
    expected = natural_dump()
    filename, _type, content = export_plan(Plan.objects.get(slug=BELGIAN_SLUG), fmt)

    Plan.objects.all().delete()
    Organisation.objects.all().delete()
    assert import_plan(content, filename).problems == []

    assert natural_dump() == expected


def test_several_plans_export_to_one_file_that_imports_back():
    make_plan()
    assert import_plan(BELGIAN_PLAN.read_bytes(), BELGIAN_PLAN.name).problems == []
    filename, _type, content = export_plans(Plan.objects.order_by("slug"), "csv")

    assert filename == "plans-plan.csv"
    reimport_without_writes(import_plan, filename, content)


def make_progress():
    plan = make_plan()
    round_ = RoundFactory(plan=plan, year=2021)
    goal = plan.goals.get(number=1)
    amount = plan.indicators.get(code="1.1.a")
    percentage = plan.indicators.get(code="1.a")
    ministry = Organisation.objects.get(slug="bz")
    entry = EntryFactory(
        round=round_,
        organisation=ministry,
        goal=goal,
        subgoal=amount.subgoal,
        indicator=amount,
        narrative_nl="<p>Geld.</p>",
        narrative_en="<p>Money.</p>",
        currency="EUR",
        status="submitted",
    )
    ValueFactory(entry=entry, category=None, value=Decimal("1000.50"))
    for category in amount.categories.all():
        ValueFactory(entry=entry, category=category, value=Decimal("400.25"))
    ValueFactory(
        entry=EntryFactory(round=round_, organisation=ministry, goal=goal, indicator=percentage),
        value=Decimal("33.3"),
    )
    EntryFactory(
        round=round_,
        organisation=Organisation.objects.get(slug="rvo"),
        goal=goal,
        narrative_nl="",
        not_reported="nothing_to_report",
        not_reported_reason_fr="Rien à signaler.",
    )
    EntryFactory(round=round_, organisation=ministry, goal=plan.goals.get(number=2))


@pytest.mark.parametrize("fmt", FORMATS)
def test_progress_export_reimports_to_the_same_entries(fmt):
    make_progress()
    expected = natural_dump(ProgressEntry, ProgressValue)
    filename, _type, content = export_progress(ProgressEntry.objects.all(), fmt)
    assert filename == f"nl-round-trip-2021-progress.{fmt}"

    reimport_without_writes(import_progress, filename, content)

    ProgressEntry.objects.all().delete()
    result = import_progress(content, filename)
    assert result.problems == []
    assert result.total("created") == 4
    assert natural_dump(ProgressEntry, ProgressValue) == expected


def test_progress_export_has_a_row_per_value_and_one_for_an_entry_without_values():
    make_progress()
    _name, _type, content = export_progress(ProgressEntry.objects.all(), "csv")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))

    assert [(r["goal"], r["subgoal"], r["indicator"], r["category"], r["value"]) for r in rows] == [
        ("1", "", "", "", ""),
        ("1", "", "1.a", "", "33.3"),
        ("1", "1.1", "1.1.a", "", "1000.5"),
        ("1", "1.1", "1.1.a", "b", "400.25"),
        ("1", "1.1", "1.1.a", "a", "400.25"),
        ("2", "", "", "", ""),
    ]
    assert rows[2]["unit"] == "euro"
    assert rows[2]["narrative_en"] == rows[3]["narrative_en"] == "<p>Money.</p>"


def test_belgian_progress_round_trips_through_export():
    assert import_plan(BELGIAN_PLAN.read_bytes(), BELGIAN_PLAN.name).problems == []
    make_belgian_round(2017)
    assert import_progress(BELGIAN_PROGRESS.read_bytes(), BELGIAN_PROGRESS.name).problems == []

    for fmt in FORMATS:
        filename, _type, content = export_progress(ProgressEntry.objects.all(), fmt)
        reimport_without_writes(import_progress, filename, content)


@pytest.mark.parametrize("fmt", FORMATS)
def test_demo_plan_and_report_reimport_without_any_write(demo, fmt):
    """The real Dutch plan (subgoals, published entries, references, examples) round-trips."""
    plan = Plan.objects.get(slug="nl-nap-iv")
    reimport_without_writes(import_plan, *_named(export_plan(plan, fmt)))
    reimport_without_writes(
        import_progress, *_named(export_progress(ProgressEntry.objects.for_plan(plan), fmt))
    )


def _named(export):
    filename, _type, content = export
    return filename, content


def test_formula_like_texts_are_escaped_in_csv_and_come_back_unchanged():
    plan = make_plan()
    Goal.objects.filter(plan=plan, number=2).update(
        title_nl='=HYPERLINK("http://evil.example","klik")', title_en="+31 70 000", title_fr="@SUM"
    )
    _name, _type, content = export_plan(plan, "csv")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    goal = next(r for r in rows if r["type"] == "goal" and r["goal"] == "2")

    assert goal["title_nl"] == '\'=HYPERLINK("http://evil.example","klik")'
    assert goal["title_en"] == "'+31 70 000"
    assert goal["title_fr"] == "'@SUM"
    reimport_without_writes(import_plan, "plan.csv", content)


def test_xlsx_export_has_numbers_as_numbers_and_no_formulas():
    plan = make_plan()
    Goal.objects.filter(plan=plan, number=2).update(title_nl="=1+1")
    _name, _type, content = export_plan(plan, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    header = [cell.value for cell in sheet[1]]

    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    goal_row = next(
        row for row in sheet.iter_rows(min_row=2) if row[0].value == "goal" and row[3].value == 2
    )
    assert goal_row[header.index("title_nl")].value == "'=1+1"
    indicator_row = next(
        row for row in sheet.iter_rows(min_row=2) if row[header.index("indicator")].value == "1.1.a"
    )
    assert indicator_row[header.index("target")].data_type == "n"
