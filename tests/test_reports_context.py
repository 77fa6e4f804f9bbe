"""The one report context behind HTML, PDF and Word: content rules, layouts, languages."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import Plan
from reporting.models import ProgressEntry
from reports.context import build_report
from reports.render import render_html
from tests.factories import (
    CategoryFactory,
    EntryFactory,
    IndicatorFactory,
    ResponsibilityFactory,
    RoundFactory,
    ValueFactory,
)
from tests.roles import build_world

pytestmark = pytest.mark.django_db

Status = ProgressEntry.Status


def all_entries(report):
    """Every entry of the report, in document order, whatever the layout."""
    goals = (
        [g for section in report.organisations for g in section.goals]
        if report.layout == "organisation"
        else report.goals
    )
    for goal in goals:
        yield from goal.content.entries
        for indicator in goal.indicators:
            yield from indicator.content.entries
        for subgoal in goal.subgoals:
            yield from subgoal.content.entries
            for indicator in subgoal.indicators:
                yield from indicator.content.entries


def missing(report):
    goals = (
        [g for section in report.organisations for g in section.goals]
        if report.layout == "organisation"
        else report.goals
    )
    names = []
    for goal in goals:
        names += [m.text for m in goal.content.missing]
        for indicator in goal.indicators:
            names += [m.text for m in indicator.content.missing]
    return names


@pytest.fixture
def world():
    return build_world()


def entry(world, organisation, status, text, **extra):
    return EntryFactory(
        round=world.round,
        organisation=organisation,
        goal=world.goal,
        indicator=world.indicator,
        status=status,
        narrative_nl=f"<p>{text}</p>",
        **extra,
    )


def test_report_holds_approved_and_published_entries_only(world):
    entry(world, world.ministry, Status.APPROVED, "Goedgekeurd.")
    entry(world, world.other, Status.SUBMITTED, "Ingediend.")
    report = build_report(plan=world.plan, year=2022, layout="goal", language="nl")
    assert [e.narrative.text for e in all_entries(report)] == ["<p>Goedgekeurd.</p>"]
    assert report.draft is False


def test_draft_preview_includes_drafts_and_submitted_and_is_marked(world):
    entry(world, world.ministry, Status.DRAFT, "Concept.")
    entry(world, world.other, Status.SUBMITTED, "Ingediend.")
    report = build_report(plan=world.plan, year=2022, layout="goal", language="nl", draft=True)
    entries = list(all_entries(report))
    assert {e.narrative.text for e in entries} == {"<p>Concept.</p>", "<p>Ingediend.</p>"}
    assert all(e.is_draft for e in entries)
    assert report.draft


def test_no_input_received_names_the_responsible_organisation_without_an_entry(world):
    entry(world, world.ministry, Status.APPROVED, "Wel.")
    entry(world, world.other, Status.DRAFT, "Nog niet goedgekeurd.")
    for layout in ("organisation", "goal"):
        report = build_report(plan=world.plan, year=2022, layout=layout, language="nl")
        assert missing(report) == [world.other.name_nl], layout
    html = render_html(build_report(plan=world.plan, year=2022, layout="goal", language="nl"))
    assert f"Geen inbreng ontvangen van {world.other.name_nl}." in html


def test_organisation_layout_has_one_section_per_organisation_coordinator_first(world):
    ResponsibilityFactory(organisation=world.coordinating, goal=world.goal)
    EntryFactory(
        round=world.round,
        organisation=world.coordinating,
        goal=world.goal,
        status=Status.PUBLISHED,
    )
    entry(world, world.ministry, Status.APPROVED, "Def.")
    report = build_report(plan=world.plan, year=2022, layout="organisation", language="nl")
    names = [section.name.text for section in report.organisations]
    assert names[0] == world.coordinating.name_nl
    assert set(names) == {world.coordinating.name_nl, world.ministry.name_nl, world.other.name_nl}


def test_goal_layout_integrates_organisations_under_one_indicator(world):
    entry(world, world.ministry, Status.APPROVED, "Een.")
    entry(world, world.other, Status.PUBLISHED, "Twee.")
    report = build_report(plan=world.plan, year=2022, layout="goal", language="nl")
    [goal] = report.goals
    [indicator] = goal.indicators
    assert {e.organisation.text for e in indicator.content.entries} == {
        world.ministry.name_nl,
        world.other.name_nl,
    }


def test_nothing_to_report_shows_its_reason(world):
    entry(
        world,
        world.ministry,
        Status.APPROVED,
        "",
        not_reported="nothing_to_report",
        not_reported_reason_nl="Geen activiteiten dit jaar.",
    )
    report = build_report(plan=world.plan, year=2022, layout="goal", language="nl")
    [shown] = list(all_entries(report))
    assert shown.not_reported
    assert shown.not_reported_reason.text == "Geen activiteiten dit jaar."
    assert "Geen activiteiten dit jaar." in render_html(report)


def test_values_show_categories_previous_years_and_target(world):
    indicator = world.indicator
    indicator.target = Decimal("12")
    indicator.target_year = 2025
    indicator.save()
    category = CategoryFactory(indicator=indicator, label_nl="Lokaal")
    previous = RoundFactory(plan=world.plan, year=2021, state="published")
    old = EntryFactory(
        round=previous,
        organisation=world.ministry,
        goal=world.goal,
        indicator=indicator,
        status=Status.PUBLISHED,
    )
    ValueFactory(entry=old, value=3)
    new = entry(world, world.ministry, Status.APPROVED, "Cijfers.")
    ValueFactory(entry=new, value=5)
    ValueFactory(entry=new, category=category, value=2)
    report = build_report(plan=world.plan, year=2022, layout="goal", language="nl")
    [indicator_view] = report.goals[0].indicators
    assert indicator_view.target == "12 (2025)"
    current = next(e for e in indicator_view.content.entries if e.year == 2022)
    assert current.values.columns == ["2021", "2022"]
    assert [(r.label.text if r.label else None, r.values) for r in current.values.rows] == [
        (None, ["3", "5"]),
        ("Lokaal", ["", "2"]),
    ]


def test_text_missing_in_the_report_language_falls_back_to_the_plans_and_is_marked(world):
    entry(world, world.ministry, Status.APPROVED, "Alleen in het Nederlands.")
    report = build_report(plan=world.plan, year=2022, layout="goal", language="en")
    [shown] = list(all_entries(report))
    assert shown.narrative.language == "nl"
    assert shown.narrative.is_fallback
    html = render_html(report)
    assert '<html lang="en">' in html
    assert '<div class="narrative rich" lang="nl"><p>Alleen in het Nederlands.</p></div>' in html


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nl", ["Inhoud", "Voortgangsrapportage", "Geen inbreng ontvangen van"]),
        ("en", ["Contents", "Progress report", "No input received from"]),
        ("fr", ["Table des matières", "Rapport d’avancement", "Aucune contribution reçue de"]),
    ],
)
def test_each_language_gives_the_document_in_that_language(world, language, words):
    entry(world, world.ministry, Status.APPROVED, "Tekst.")
    html = render_html(build_report(plan=world.plan, year=2022, layout="goal", language=language))
    assert f'<html lang="{language}">' in html
    for word in words:
        assert word in html


def test_final_report_holds_each_years_entries_and_the_series(world):
    previous = RoundFactory(plan=world.plan, year=2021, state="published")
    old = EntryFactory(
        round=previous,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
        status=Status.PUBLISHED,
        narrative_nl="<p>Vorig jaar.</p>",
    )
    ValueFactory(entry=old, value=4)
    new = entry(world, world.ministry, Status.APPROVED, "Dit jaar.")
    ValueFactory(entry=new, value=6)
    report = build_report(plan=world.plan, year=2022, language="nl", final=True)
    assert report.final and report.layout == "goal"
    [indicator_view] = report.goals[0].indicators
    assert [(e.year, e.narrative.text) for e in indicator_view.content.entries] == [
        (2021, "<p>Vorig jaar.</p>"),
        (2022, "<p>Dit jaar.</p>"),
    ]
    assert indicator_view.series.columns == ["2021", "2022"]
    assert [row.values for row in indicator_view.series.rows] == [["4", "6"]]
    assert report.letter is None


def _report_queries(world, count: int) -> int:
    for number in range(count):
        indicator = IndicatorFactory(goal=world.goal, code=f"x{count}-{number}")
        category = CategoryFactory(indicator=indicator)
        for organisation in (world.ministry, world.other):
            created = EntryFactory(
                round=world.round,
                organisation=organisation,
                goal=world.goal,
                indicator=indicator,
                status=Status.APPROVED,
            )
            ValueFactory(entry=created, value=number)
            ValueFactory(entry=created, category=category, value=number)
    with CaptureQueriesContext(connection) as queries:
        build_report(plan=world.plan, year=2022, layout="organisation", language="nl")
    return len(queries)


def test_build_report_reads_a_fixed_number_of_queries_whatever_the_size(world):
    small = _report_queries(world, 1)
    large = _report_queries(world, 6)
    # rounds, letter, goals, subgoals, indicators, categories, responsibilities, coordinating
    # organisations, entries, values, examples, references (+ signatures when there is a letter)
    assert small == large == 12


def test_demo_report_has_four_ministries_in_the_annexs_order(demo):
    plan = Plan.objects.get(slug="nl-nap-iv")
    report = build_report(plan=plan, year=2021, layout="organisation", language="nl")
    assert [s.abbreviation.text for s in report.organisations] == ["BZ", "Def", "JenV", "OCW"]
    assert report.entry_count == 48
    assert report.letter.reference == "BZDOC-2023943977-38"
    assert [s.name for s in report.letter.signatures] == ["Wopke Hoekstra", "Liesje Schreinemacher"]


def test_final_report_has_sections_then_per_goal_entries_series_and_closing_narrative(world):
    from reporting.models import PlanNarrative

    previous = RoundFactory(plan=world.plan, year=2021, state="published")
    old = EntryFactory(
        round=previous,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
        status=Status.PUBLISHED,
        narrative_nl="<p>Vorig jaar.</p>",
    )
    ValueFactory(entry=old, value=4)
    ValueFactory(entry=entry(world, world.ministry, Status.APPROVED, "Dit jaar."), value=6)
    narrative = PlanNarrative.objects.create
    narrative(
        plan=world.plan, kind="section", position=2, title_nl="Tweede thema", status="approved"
    )
    narrative(
        plan=world.plan, kind="section", position=1, title_nl="Veiligheidsraad", status="published"
    )
    narrative(plan=world.plan, kind="section", position=0, title_nl="Conceptthema", status="draft")
    narrative(
        plan=world.plan,
        goal=world.goal,
        kind="closing",
        body_nl="<p>Terugblik op de periode.</p>",
        status="approved",
    )

    report = build_report(plan=world.plan, year=2022, language="nl", final=True)
    assert [s.title.text for s in report.sections] == ["Veiligheidsraad", "Tweede thema"]
    [goal] = report.goals
    assert goal.closing.body.text == "<p>Terugblik op de periode.</p>"

    html = render_html(report)
    order = [
        "Veiligheidsraad",
        "Tweede thema",
        world.goal.title_nl,
        "Vorig jaar.",
        "Dit jaar.",
        "Totalen over de looptijd",
        "Terugblik op de periode.",
    ]
    positions = [html.index(text, html.index('id="annex"')) for text in order]
    assert positions == sorted(positions)
    assert "Conceptthema" not in html

    preview = build_report(plan=world.plan, year=2022, language="nl", final=True, draft=True)
    assert preview.sections[0].title.text == "Conceptthema"
    # The yearly report leaves the final report's texts out.
    yearly = build_report(plan=world.plan, year=2022, layout="goal", language="nl")
    assert yearly.sections == [] and yearly.goals[0].closing is None


def test_final_report_in_word_has_sections_and_closing_narratives_as_headings(world):
    import io

    import docx

    from reporting.models import PlanNarrative
    from reports.docx import render_docx

    entry(world, world.ministry, Status.APPROVED, "Dit jaar.")
    PlanNarrative.objects.create(
        plan=world.plan, kind="section", title_nl="Veiligheidsraad", status="approved"
    )
    PlanNarrative.objects.create(
        plan=world.plan,
        goal=world.goal,
        kind="closing",
        body_nl="<p>Terugblik.</p>",
        status="approved",
    )
    report = build_report(plan=world.plan, year=2022, language="nl", final=True)
    document = docx.Document(io.BytesIO(render_docx(report)))
    texts = [(p.style.name, p.text) for p in document.paragraphs]
    headings = [(style, text) for style, text in texts if style.startswith("Heading")]
    assert headings[1] == ("Heading 2", "Veiligheidsraad")
    assert headings[2][0] == "Heading 2" and headings[2][1].startswith("Strategisch doel")
    assert headings[-1][0] == "Heading 3"
    body = [text for _style, text in texts]
    assert body.index("Dit jaar.") < body.index("Terugblik.")
