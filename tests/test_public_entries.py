"""The public entry list: every filter, text search, errors as messages, only published data,
and a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting.models import Example, ProgressEntry, Reference, ReportingRound
from tests.factories import (
    CategoryFactory,
    EntryFactory,
    GoalFactory,
    IndicatorFactory,
    OrganisationFactory,
    PlanFactory,
    RoundFactory,
    SubgoalFactory,
    ValueFactory,
)

pytestmark = pytest.mark.django_db

SECRET = "UNPUBLISHED-MARKER-7f3a"
UNPUBLISHED_STATUSES = [
    ProgressEntry.Status.DRAFT,
    ProgressEntry.Status.SUBMITTED,
    ProgressEntry.Status.RETURNED,
    ProgressEntry.Status.APPROVED,
]


class World:
    """A plan with a published 2021 round and published entries with values, examples and
    references; `add_entries` adds more of the same, for the query-count tests."""

    def __init__(self):
        self.plan = PlanFactory(slug="nap-test", short_name="NAP-T")
        self.round = RoundFactory(plan=self.plan, year=2021, state=ReportingRound.State.PUBLISHED)
        self.goal = GoalFactory(plan=self.plan, number=1, pillar="participation")
        self.subgoal = SubgoalFactory(goal=self.goal, number="1.a")
        self.indicator = IndicatorFactory(
            goal=self.goal, subgoal=self.subgoal, code="1.a.1", kind="count"
        )
        self.categories = [
            CategoryFactory(indicator=self.indicator, code="local", label_nl="Lokaal", position=1),
            CategoryFactory(
                indicator=self.indicator, code="national", label_nl="Nationaal", position=2
            ),
        ]
        self.entries = []

    def add_entries(self, count: int, **kwargs) -> list[ProgressEntry]:
        added = []
        for _ in range(count):
            entry = EntryFactory(
                round=self.round,
                organisation=kwargs.get("organisation") or OrganisationFactory(),
                goal=self.goal,
                subgoal=self.subgoal,
                indicator=self.indicator,
                status=kwargs.get("status", ProgressEntry.Status.PUBLISHED),
                narrative_nl=kwargs.get("narrative_nl", "<p>Voortgang op lokaal niveau.</p>"),
            )
            ValueFactory(entry=entry, category=None, value=12)
            ValueFactory(entry=entry, category=self.categories[0], value=5)
            ValueFactory(entry=entry, category=self.categories[1], value=7)
            Example.objects.create(entry=entry, title_nl="Voorbeeldproject")
            Reference.objects.create(entry=entry, kind="url", url="https://example.org/")
            added.append(entry)
        self.entries += added
        return added

    def add_unpublished(self) -> list[ProgressEntry]:
        """An entry in each unpublished status, and a published one in a draft plan, every
        text carrying SECRET."""
        hidden = []
        for status in UNPUBLISHED_STATUSES:
            entry = EntryFactory(
                round=self.round,
                organisation=OrganisationFactory(slug=f"secret-{status}", name_nl=SECRET),
                goal=self.goal,
                status=status,
                narrative_nl=f"<p>{SECRET} {status}</p>",
                narrative_en=f"<p>{SECRET} {status}</p>",
            )
            Example.objects.create(entry=entry, title_nl=SECRET)
            Reference.objects.create(entry=entry, kind="document", title=SECRET)
            hidden.append(entry)
        draft_plan = PlanFactory(slug="secret-plan", status="draft", title_nl=SECRET)
        draft_goal = GoalFactory(plan=draft_plan, number=1, title_nl=SECRET)
        hidden.append(
            EntryFactory(
                round=RoundFactory(plan=draft_plan, year=2021),
                goal=draft_goal,
                status=ProgressEntry.Status.PUBLISHED,
                narrative_nl=f"<p>{SECRET} draft plan</p>",
            )
        )
        return hidden


@pytest.fixture
def world():
    return World()


def entries_url(**params):
    from urllib.parse import urlencode

    url = reverse("public:entries")
    return f"{url}?{urlencode(params)}" if params else url


def shown_ids(response) -> set[int]:
    return {entry.pk for entry in response.context["entries"]}


# --- filters ----------------------------------------------------------------------------------


def test_page_lists_published_entries_with_their_values(client, world):
    [entry] = world.add_entries(1)
    response = client.get(entries_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert f'id="entry-{entry.pk}"' in content
    assert "1 entry found." in content
    assert "Lokaal" in content and "Voortgang op lokaal niveau." in content


@pytest.mark.parametrize(
    ("param", "matching", "other"),
    [
        ("plan", "nap-test", "other-plan"),
        ("year", "2021", "2022"),
        ("goal", "1", "2"),
        ("subgoal", "1.a", "1.b"),
        ("pillar", "participation", "prevention"),
        ("kind", "count", "percentage"),
        ("organisation_kind", "ministry", "civil_society"),
    ],
)
def test_each_filter_keeps_only_matching_entries(client, world, param, matching, other):
    inside = world.add_entries(1)[0]
    # An entry that differs from `inside` in exactly the filtered property.
    other_plan = PlanFactory(slug="other-plan")
    outside = EntryFactory(
        status=ProgressEntry.Status.PUBLISHED,
        round=RoundFactory(
            plan=other_plan if param == "plan" else world.plan,
            year=2022 if param == "year" else 2023,
        )
        if param in ("plan", "year")
        else world.round,
        organisation=OrganisationFactory(
            kind="civil_society" if param == "organisation_kind" else "ministry"
        ),
        goal=GoalFactory(
            plan=other_plan if param == "plan" else world.plan,
            number=2 if param == "goal" else 5,
            pillar="prevention" if param == "pillar" else "participation",
        ),
    )
    if param == "subgoal":
        outside.subgoal = SubgoalFactory(goal=outside.goal, number="1.b")
        outside.save()
    if param == "kind":
        outside.indicator = IndicatorFactory(goal=outside.goal, kind="percentage")
        outside.save()
    response = client.get(entries_url(**{param: matching}))
    assert response.status_code == 200
    assert inside.pk in shown_ids(response)
    assert outside.pk not in shown_ids(response)
    response = client.get(entries_url(**{param: other}))
    assert inside.pk not in shown_ids(response)


def test_organisation_filter_and_unknown_slug(client, world):
    defence = OrganisationFactory(slug="def", name_en="Ministry of Defence")
    [mine] = world.add_entries(1, organisation=defence)
    [theirs] = world.add_entries(1)
    response = client.get(entries_url(organisation="def"))
    assert shown_ids(response) == {mine.pk}
    assert theirs.pk not in shown_ids(response)
    response = client.get(entries_url(organisation="nobody"))
    assert response.status_code == 200
    assert shown_ids(response) == set()


def test_search_finds_text_in_any_language_column(client, world):
    [dutch] = world.add_entries(1, narrative_nl="<p>Meer vrouwen in vredesmissies.</p>")
    [english] = world.add_entries(1, narrative_nl="")
    english.narrative_en = "<p>Training on gender for peacekeepers.</p>"
    english.save()
    world.add_entries(1, narrative_nl="<p>Iets anders.</p>")
    assert shown_ids(client.get(entries_url(q="vrouwen"))) == {dutch.pk}
    assert shown_ids(client.get(entries_url(q="peacekeepers"))) == {english.pk}


def test_search_looks_in_the_indicator_and_goal_texts(client, world):
    world.indicator.text_en = "Number of mediators trained"
    world.indicator.save()
    entries = world.add_entries(2)
    assert shown_ids(client.get(entries_url(q="mediators"))) == {e.pk for e in entries}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search on PostgreSQL")
def test_full_text_search_stems_dutch_english_and_french(client, world):
    [dutch] = world.add_entries(1, narrative_nl="<p>Meer vrouwen in de krijgsmacht.</p>")
    [french] = world.add_entries(1, narrative_nl="")
    french.narrative_fr = "<p>Les femmes participent aux négociations.</p>"
    french.save()
    [english] = world.add_entries(1, narrative_nl="")
    english.narrative_en = "<p>The ministry trained women mediators.</p>"
    english.save()
    # Stemming: the singular finds the plural, in each entry's own language.
    assert shown_ids(client.get(entries_url(q="vrouw"))) == {dutch.pk}
    assert shown_ids(client.get(entries_url(q="négociation"))) == {french.pk}
    assert shown_ids(client.get(entries_url(q="mediator"))) == {english.pk}
    # Web-search syntax: both words must occur.
    assert shown_ids(client.get(entries_url(q="vrouwen krijgsmacht"))) == {dutch.pk}
    assert shown_ids(client.get(entries_url(q="vrouwen diplomatie"))) == set()


def test_filters_combine(client, world):
    defence = OrganisationFactory(slug="def")
    [hit] = world.add_entries(1, organisation=defence, narrative_nl="<p>Vrouwen</p>")
    world.add_entries(1, narrative_nl="<p>Vrouwen</p>")
    world.add_entries(1, organisation=OrganisationFactory(slug="bz"), narrative_nl="<p>x</p>")
    response = client.get(entries_url(organisation="def", year=2021, q="Vrouwen", plan="nap-test"))
    assert shown_ids(response) == {hit.pk}


# --- invalid input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"year": "twenty"},
        {"year": "1800"},
        {"goal": "-1"},
        {"goal": "1" * 40},
        {"q": "vrouw\x00en"},
        {"q": "x" * 500},
        {"subgoal": "a\x00"},
        {"plan": "not a slug"},
        {"organisation": "x" * 200},
        {"pillar": "everything"},
        {"kind": "\x00"},
    ],
)
def test_invalid_filters_show_an_error_not_a_server_error(client, world, params):
    world.add_entries(1)
    response = client.get(entries_url(**params))
    assert response.status_code == 400
    content = response.content.decode()
    assert "Some filters are not valid" in content
    assert 'aria-invalid="true"' in content
    # Nothing is listed while a filter is wrong, rather than an unfiltered list.
    assert shown_ids(response) == set()


def test_a_bad_page_number_shows_the_first_page(client, world):
    world.add_entries(1)
    response = client.get(entries_url(page="abc\x00"))
    assert response.status_code == 200
    assert len(shown_ids(response)) == 1


# --- the page ---------------------------------------------------------------------------------


def test_filter_state_lives_in_the_url_and_download_links_carry_it(client, world):
    world.add_entries(1, organisation=OrganisationFactory(slug="def"))
    response = client.get(entries_url(organisation="def", year="2021"))
    content = response.content.decode()
    assert '<option value="def" selected>' in content
    assert '<option value="2021" selected>' in content
    for fmt in ("csv", "xlsx", "json"):
        link = reverse("public:entries-download", args=[fmt]) + "?organisation=def&amp;year=2021"
        assert link in content


def test_form_is_accessible_and_has_no_inline_script_or_style(client, world):
    world.add_entries(1)
    content = client.get(entries_url()).content.decode()
    assert "<fieldset>" in content and "<legend>" in content
    for name in ("plan", "year", "goal", "subgoal", "pillar", "kind", "organisation", "q"):
        assert f'<label for="id_{name}">' in content
    assert '<button type="submit">' in content
    assert "<script" not in content.split("</header>")[1]
    assert "style=" not in content and "<style" not in content


def test_pagination_keeps_the_filters(client, world):
    world.add_entries(25)
    response = client.get(entries_url(year=2021))
    assert len(shown_ids(response)) == 20
    content = response.content.decode()
    assert "25 entries found." in content
    assert "?year=2021&amp;page=2" in content
    second = client.get(entries_url(year=2021, page=2))
    assert len(shown_ids(second)) == 5
    assert shown_ids(second).isdisjoint(shown_ids(response))


@pytest.mark.parametrize("language", ["nl", "en", "fr"])
def test_page_in_each_language(client, world, language):
    world.add_entries(1)
    response = client.get(entries_url(year=2021).replace("/en/", f"/{language}/"))
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()


def test_text_in_a_fallback_language_carries_its_lang(client, world):
    world.add_entries(1, narrative_nl="<p>Alleen in het Nederlands.</p>")
    content = client.get(entries_url()).content.decode()
    assert '<p class="summary" lang="nl">Alleen in het Nederlands.</p>' in content


def test_unpublished_entries_never_appear(client, world):
    world.add_entries(1)
    hidden = world.add_unpublished()
    for params in ({}, {"organisation": "secret-draft"}, {"plan": "secret-plan"}):
        response = client.get(entries_url(**params))
        assert SECRET not in response.content.decode()
        assert not shown_ids(response) & {entry.pk for entry in hidden}
    # Searching for the marker finds nothing (the search box itself repeats it, of course).
    response = client.get(entries_url(q=SECRET))
    assert shown_ids(response) == set()
    assert "No published entries match these filters." in response.content.decode()


def test_page_has_a_fixed_number_of_queries(client, world):
    world.add_entries(1)
    with CaptureQueriesContext(connection) as one:
        client.get(entries_url(year=2021))
    world.add_entries(9)
    with CaptureQueriesContext(connection) as ten:
        response = client.get(entries_url(year=2021))
    assert len(shown_ids(response)) == 10
    assert len(ten) == len(one), [q["sql"] for q in ten.captured_queries]


def test_the_page_only_reads(client, world):
    assert client.post(entries_url(), {"year": "2021"}).status_code == 405
