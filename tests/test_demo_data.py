"""The demo data is the real Dutch 2021 report: checked against the annex itself."""

import re
from html import unescape
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.utils.html import strip_tags

from indicators.models import Goal, Indicator, Organisation, Plan, PlanOrganisation, Subgoal
from reporting.models import CoverLetter, ProgressEntry, ReportingRound

ANNEX = Path(settings.BASE_DIR).parent / "shared" / "reference" / "nap-iv-2021-progress-annex.txt"

pytestmark = pytest.mark.django_db

# Every indicator the annex shows, where it shows it, and how its Dutch text begins.
EXPECTED_INDICATORS = [
    ("1.a", 1, None, "Aantal Nederlandse militaire, politie- en civiele missies"),
    ("1.b", 1, None, "Aantal door de Nederlandse overheid gesteunde processen"),
    ("1.1.a", 1, "1.1", "Aantal wetten, beleidsmaatregelen en strategieën"),
    ("1.2.a", 1, "1.2", "Aantal initiatieven van de Nederlandse overheid om vrouwenre"),
    ("1.2.b", 1, "1.2", "Voorbeelden van hoe deze initiatieven hebben geleid"),
    ("1.3.a", 1, "1.3", "Aantal en percentage formele, door Nederland ondersteunde"),
    ("1.3.b", 1, "1.3", "Voorbeelden van inclusieve deelname aan vredesprocessen"),
    ("2.a", 2, None, "Voorbeelden van verhalen/case studies"),
    ("2.b", 2, None, "Aantal en percentage van beleidslijnen en programma’s voor early"),
    ("2.c", 2, None, "Aantal door de Nederlandse overheid opgestelde en geïmplementeerde"),
    ("2.d", 2, None, "Aantal en percentage medewerkers met genderexpertise"),
    ("2.1.a", 2, "2.1", "Aantal Nederlandse meerjaren landenstrategieën"),
    ("2.2.a", 2, "2.2", "Aantal keren dat de Nederlandse overheid organisaties"),
    ("2.2.b", 2, "2.2", "Aantal initiatieven die gericht zijn op het toezicht"),
    ("3.a", 3, None, "Aantal uitgevoerde, op mensenrechten gebaseerde, beleidslijnen"),
    ("3.b", 3, None, "Voorbeelden van best practices van Nederlands beleid"),
    ("3.c", 3, None, "Aantal vrouwen dat deelneemt aan"),
    ("3.1.a", 3, "3.1", "Best practices en uitdagingen inzake beleid"),
    ("3.1.b", 3, "3.1", "Aantal Nederlandse initiatieven in crisissituaties"),
    ("3.2.a", 3, "3.2", "(Aantal en percentage gevallen van seksueel"),
    ("3.4.a", 3, "3.4", "Voorbeelden van de uitvoering van het gender-responsief"),
    ("3.4.b", 3, "3.4", "Aantal multi-stakeholder dialogen"),
    ("4.a", 4, None, "Aantal partners dat een Gender with Age Mainstreaming score"),
    ("4.b", 4, None, "Aantal humanitaire programma’s die een gemeenschappelijke aanpak"),
    ("4.1.a", 4, "4.1", "Aantal humanitaire programma’s die fysieke, geestelijke"),
    ("4.1.b", 4, "4.1", "Aantal humanitaire programma’s die ondersteunende diensten"),
    ("4.2.a", 4, "4.2", "Aantal programma’s voor vrouwen en meisjes in een kwetsbare"),
    ("4.3.a", 4, "4.3", "Aantal en aandeel van humanitaire responsprogramma’s"),
    ("5.a", 5, None, "Aantal Nederlandse beleidslijnen en bilaterale/multilaterale"),
    ("5.b", 5, None, "Aantal (land specifieke/thematische) strategische planningskaders"),
    ("5.1.a", 5, "5.1", "Aantal en aandeel van medewerkers met gender-/WPS-expertise"),
    ("5.2.a", 5, "5.2", "Totale uitgaven Nederland voor de WPS-agenda"),
    ("5.4.a", 5, "5.4", "Aantal acties ondernomen door de Nederlandse overheid"),
    ("5.4.b", 5, "5.4", "Aantal gedocumenteerde gevallen waar Nederland"),
]

EXPECTED_SUBGOALS = [
    "1.1",
    "1.2",
    "1.3",
    "2.1",
    "2.2",
    "3.1",
    "3.2",
    "3.3",
    "3.4",
    "4.1",
    "4.2",
    "4.3",
    "5.1",
    "5.2",
    "5.3",
    "5.4",
]


def letters(text: str) -> str:
    """Only letters and digits, lower case: immune to line breaks, hyphenation and spacing."""
    return re.sub(r"[\W_]+", "", text).lower()


ANNEX_LETTERS = letters(ANNEX.read_text(encoding="utf-8"))


def in_annex(text: str) -> bool:
    """True when `text` occurs in the annex, allowing one cut by another column or a page."""
    words = text.split()
    return any(
        letters(" ".join(words[:cut])) in ANNEX_LETTERS
        and letters(" ".join(words[cut:])) in ANNEX_LETTERS
        for cut in range(len(words))
    )


def test_plan_has_the_annex_framework(demo):
    plan = Plan.objects.get(slug="nl-nap-iv")
    assert (plan.country, plan.edition_display, plan.first_year, plan.last_year) == (
        "NL",
        "IV",
        2021,
        2025,
    )
    goals = list(plan.goals.order_by("number"))
    assert [g.number for g in goals] == [1, 2, 3, 4, 5]
    assert [g.pillar for g in goals] == [
        "participation",
        "prevention",
        "protection",
        "relief_recovery",
        "mainstreaming",
    ]
    assert goals[0].title_nl.startswith("Meer vrouwen in leiderschapsposities")
    assert goals[4].title_nl.startswith("Een genderlens wordt toegepast")
    subgoals = Subgoal.objects.filter(goal__plan=plan).order_by("goal__number", "position")
    assert [s.number for s in subgoals] == EXPECTED_SUBGOALS


def test_plan_has_every_indicator_of_the_annex_in_its_place(demo):
    indicators = Indicator.objects.filter(plan__slug="nl-nap-iv").select_related("goal", "subgoal")
    found = {
        i.code: (i.goal.number, i.subgoal.number if i.subgoal else None, i.text_nl)
        for i in indicators
    }
    assert len(found) == len(EXPECTED_INDICATORS)
    for code, goal, subgoal, prefix in EXPECTED_INDICATORS:
        assert found[code][:2] == (goal, subgoal), code
        assert found[code][2].startswith(prefix), (code, found[code][2])
    categories = Indicator.objects.get(plan__slug="nl-nap-iv", code="1.b").categories
    assert categories.count() == 8
    assert categories.first().label_nl.startswith("Vredesoverleg of -onderhandelingen op nationaal")


def test_indicator_texts_are_taken_from_the_annex():
    for _code, _goal, _subgoal, prefix in EXPECTED_INDICATORS:
        assert in_annex(prefix), prefix


def test_four_ministries_coordinator_and_signatories(demo):
    plan = Plan.objects.get(slug="nl-nap-iv")
    ministries = Organisation.objects.filter(kind=Organisation.Kind.MINISTRY)
    assert sorted(ministries.values_list("slug", flat=True)) == ["bz", "def", "jenv", "ocw"]
    roles = dict(plan.participations.values_list("organisation__slug", "role"))
    assert roles["bz"] == PlanOrganisation.Role.COORDINATOR
    assert roles["wo-men"] == PlanOrganisation.Role.CO_COORDINATOR
    signatories = {slug for slug, role in roles.items() if role == "signatory"}
    assert {"nimd", "war-child", "care-nederland", "pax", "icco", "cmc"} <= signatories


def test_defence_reports_on_goals_without_naming_indicators(demo):
    defence = ProgressEntry.objects.filter(organisation__slug="def", round__year=2021)
    scopes = [
        (e.goal.number, e.subgoal.number if e.subgoal else None, e.indicator_id)
        for e in defence.in_report_order().select_related("goal", "subgoal")
    ]
    assert scopes == [(1, None, None), (5, "5.1", None), (5, "5.3", None), (5, "5.4", None)]


@pytest.mark.parametrize(
    ("organisation", "goal", "subgoal", "passage"),
    [
        ("def", 1, None, "militairen [11,5 % vrouwen (in 2020 was dit 10,9 %)]"),
        ("def", 1, None, "burgermedewerkers [26,3 % vrouwen"),
        ("jenv", 1, None, "In 2021 was 31% van de uitgezonden collega’s een vrouw."),
        ("ocw", 5, "5.2", "Femmes For Freedom"),
        ("bz", 1, None, "Civiele Missie Pool"),
        ("bz", 3, "3.3", "Stimson"),
        ("def", 5, "5.3", "Regiecommissie DAP 1325"),
        ("jenv", 3, None, "51 genderrapportages"),
    ],
)
def test_distinctive_passages_sit_under_the_right_ministry_and_goal(
    demo, organisation, goal, subgoal, passage
):
    entries = ProgressEntry.objects.filter(
        round__year=2021,
        organisation__slug=organisation,
        goal__number=goal,
        subgoal__number=subgoal,
        narrative_nl__contains=passage,
    )
    assert entries.exists(), passage


def test_progress_texts_are_the_annexs_own_words(demo):
    """Every sentence of every narrative occurs in the annex: nothing invented or rewritten."""
    missing = []
    for entry in ProgressEntry.objects.filter(round__year=2021):
        text = unescape(strip_tags(entry.narrative_nl.replace("</p>", " ").replace("</li>", " ")))
        for sentence in re.split(r"(?<=[.;:])\s+", text):
            if len(letters(sentence)) >= 30 and not in_annex(sentence):
                missing.append(sentence)
    assert missing == []


def test_2021_round_is_published_with_its_letter_and_2022_is_open_with_drafts(demo):
    round_2021 = ReportingRound.objects.get(plan__slug="nl-nap-iv", year=2021)
    assert round_2021.state == ReportingRound.State.PUBLISHED
    entries = round_2021.entries.all()
    assert entries.count() == 48
    assert set(entries.values_list("status", flat=True)) == {"published"}
    assert entries.filter(not_reported="nothing_to_report", organisation__slug="ocw").exists()

    letter = CoverLetter.objects.get(round=round_2021)
    assert letter.reference == "BZDOC-2023943977-38"
    assert str(letter.date) == "2022-11-09"
    assert "Geachte Voorzitter" in letter.salutation_nl
    assert [s.name for s in letter.signatures.all()] == ["Wopke Hoekstra", "Liesje Schreinemacher"]

    round_2022 = ReportingRound.objects.get(plan__slug="nl-nap-iv", year=2022)
    assert round_2022.state == ReportingRound.State.OPEN
    assert set(round_2022.entries.values_list("status", flat=True)) == {"draft"}
    assert round_2022.entries.count() >= 3


def dump_all_rows():
    rows = {}
    for app in ("accounts", "indicators", "reporting"):
        for model in apps.get_app_config(app).get_models():
            rows[model._meta.label] = sorted(map(repr, model.objects.values_list()))
    return rows


def test_load_demo_twice_leaves_the_same_rows(demo):
    before = dump_all_rows()
    call_command("load_demo", verbosity=0)
    assert dump_all_rows() == before


def test_demo_accounts_per_ministry_and_a_coordinator(demo, settings):
    settings.DEBUG = True
    call_command("create_demo_users", verbosity=0)
    from accounts.models import Membership

    roles = set(Membership.objects.values_list("user__username", "organisation__slug", "role"))
    assert ("coordinator-bz", "bz", "coordinator") in roles
    for ministry in ("bz", "def", "jenv", "ocw"):
        assert (f"focal-{ministry}", ministry, "focal_point") in roles
    assert Goal.objects.count() == 5


def test_demo_accounts_are_refused_in_production(demo, settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("create_demo_users", verbosity=0)
