"""The Word version: real heading styles, the letter and the annex, reproducible bytes."""

import io

import docx
import pytest

from indicators.models import Plan
from reports.context import build_report
from reports.docx import render_docx

pytestmark = pytest.mark.django_db


def headings(document) -> list[tuple[str, str]]:
    return [
        (p.style.name, p.text)
        for p in document.paragraphs
        if p.style.name.startswith("Heading") or p.style.name == "Title"
    ]


def test_demo_report_in_word_has_heading_styles_for_letter_ministries_goals_and_subgoals(demo):
    plan = Plan.objects.get(slug="nl-nap-iv")
    report = build_report(plan=plan, year=2021, layout="organisation", language="nl")
    document = docx.Document(io.BytesIO(render_docx(report)))
    found = headings(document)
    assert found[0] == ("Title", "Voortgangsrapportage NAP1325-IV over het jaar 2021")
    assert found[1] == ("Heading 1", "Kamerbrief")
    assert found[2] == ("Heading 1", report.annex_title)
    level2 = [text for style, text in found if style == "Heading 2"]
    assert level2 == [s.name.text for s in report.organisations]
    level3 = [text for style, text in found if style == "Heading 3"]
    assert level3[0].startswith("Strategisch doel 1: Meer vrouwen in leiderschapsposities")
    assert len(level3) == sum(len(s.goals) for s in report.organisations)
    assert any(t.startswith("Subdoel 1.1: ") for s, t in found if s == "Heading 4")
    assert any(t.startswith("Indicator 1.a: ") for s, t in found if s == "Heading 5")
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Geachte Voorzitter," in text
    assert "Civiele Missie Pool" in text
    assert "Wopke Hoekstra" in text
    assert document.core_properties.title == report.title
    assert document.core_properties.language == "nl-NL"
    footer = document.sections[0].footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    assert "BZDOC-2023943977-38" in document.sections[0].header.paragraphs[0].text


def test_goal_layout_in_word_puts_goals_at_level_two_and_marks_drafts(demo):
    plan = Plan.objects.get(slug="nl-nap-iv")
    report = build_report(plan=plan, year=2022, layout="goal", language="en", draft=True)
    document = docx.Document(io.BytesIO(render_docx(report)))
    found = headings(document)
    assert next(t for s, t in found if s == "Heading 2").startswith("Strategic goal 1: ")
    header = "\n".join(p.text for p in document.sections[0].header.paragraphs)
    assert "DRAFT" in header


def test_the_same_report_gives_the_same_word_bytes(demo):
    plan = Plan.objects.get(slug="nl-nap-iv")
    report = build_report(plan=plan, year=2021, layout="goal", language="nl")
    assert render_docx(report) == render_docx(report)
