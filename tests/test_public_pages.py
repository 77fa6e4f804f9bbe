"""The public portal's pages show the plans and their published progress, and nothing else."""

import hashlib
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from indicators.models import PlanOrganisation
from reporting.models import Example, ProgressEntry, Reference, ReportingRound
from reports.models import PublishedReport
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

pytestmark = pytest.mark.django_db

PUBLISHED = ProgressEntry.Status.PUBLISHED
DEMO = "nl-nap-iv"


def build_plan(plan, goals):
    for number in range(1, goals + 1):
        goal = GoalFactory(plan=plan, number=number)
        IndicatorFactory(goal=goal)
        subgoal = SubgoalFactory(goal=goal, number=f"{number}.1")
        CategoryFactory(indicator=IndicatorFactory(goal=goal, subgoal=subgoal))
        PlanOrganisationFactory(plan=plan)


# -- a world of published data that can grow ------------------------------------------------


class World:
    """A plan with two published years; `grow(n)` adds n organisations reporting on the same
    goal, subgoal and indicator, n new goals the main organisation reports on, and n report
    documents, so every page has more of everything it lists."""

    def __init__(self):
        self.plan = PlanFactory(slug="growing")
        self.rounds = [
            RoundFactory(
                plan=self.plan,
                year=year,
                state=ReportingRound.State.PUBLISHED,
                published_at=timezone.now(),
            )
            for year in (2021, 2022)
        ]
        self.goal = GoalFactory(plan=self.plan)
        self.subgoal = SubgoalFactory(goal=self.goal, number="1.1")
        self.indicator = IndicatorFactory(
            goal=self.goal, subgoal=self.subgoal, code="1.1.a", baseline=2, target=10
        )
        self.categories = [CategoryFactory(indicator=self.indicator) for _ in range(2)]
        self.main = OrganisationFactory(slug="main")
        PlanOrganisationFactory(
            plan=self.plan, organisation=self.main, role=PlanOrganisation.Role.COORDINATOR
        )
        self.versions = 0

    def entry(self, organisation, round_, goal, subgoal=None, indicator=None, categories=()):
        entry = EntryFactory(
            round=round_,
            organisation=organisation,
            goal=goal,
            subgoal=subgoal,
            indicator=indicator,
            status=PUBLISHED,
            published_at=timezone.now(),
            narrative_en="<p>Progress made.</p>",
        )
        if indicator is not None:
            ValueFactory(entry=entry, category=None, value=3)
            for category in categories:
                ValueFactory(entry=entry, category=category, value=1)
        Example.objects.create(entry=entry, title_nl="Voorbeeldproject", partner="Partner")
        Reference.objects.create(
            entry=entry, kind=Reference.Kind.URL, url="https://example.org/", title="Bron"
        )
        return entry

    def grow(self, n):
        for _ in range(n):
            organisation = OrganisationFactory()
            PlanOrganisationFactory(plan=self.plan, organisation=organisation)
            ResponsibilityFactory(
                organisation=organisation,
                goal=self.goal,
                subgoal=self.subgoal,
                indicator=self.indicator,
            )
            ResponsibilityFactory(organisation=organisation, goal=self.goal)
            new_goal = GoalFactory(plan=self.plan)
            new_subgoal = SubgoalFactory(goal=new_goal, number=f"{new_goal.number}.1")
            new_indicator = IndicatorFactory(goal=new_goal, subgoal=new_subgoal)
            CategoryFactory(indicator=new_indicator)
            for round_ in self.rounds:
                self.entry(organisation, round_, self.goal)
                self.entry(organisation, round_, self.goal, self.subgoal)
                self.entry(
                    organisation,
                    round_,
                    self.goal,
                    self.subgoal,
                    self.indicator,
                    self.categories,
                )
                self.entry(self.main, round_, new_goal, new_subgoal, new_indicator)
            self.versions += 1
            for fmt in ("html", "pdf"):
                PublishedReport.objects.create(
                    round=self.rounds[0],
                    version=self.versions,
                    format=fmt,
                    layout="organisation",
                    language="nl",
                    filename=f"report-{self.versions}.{fmt}",
                    content_type="text/html" if fmt == "html" else "application/pdf",
                    content=b"document",
                    sha256=hashlib.sha256(b"document").hexdigest(),
                )

    def urls(self):
        slug = self.plan.slug
        return [
            reverse("public:home"),
            reverse("public:plan", args=[slug]),
            reverse("public:goal", args=[slug, self.goal.number]),
            reverse("public:subgoal", args=[slug, self.goal.number, self.subgoal.number]),
            reverse("public:indicator", args=[slug, self.indicator.code]),
            reverse("public:organisations"),
            reverse("public:organisation", args=[self.main.slug]),
            reverse("public:signatories", args=[slug]),
            reverse("public:reports", args=[slug]),
            reverse("public:status", args=[slug]),
            reverse("public:feed", args=[slug]),
            reverse("public:accessibility"),
            reverse("public:privacy"),
        ]


def demo_urls(language="en"):
    """Every public page of the demo plan (the filtered entry list is tested with it)."""
    urls = [
        "/",
        f"/plans/{DEMO}/",
        f"/plans/{DEMO}/goals/1/",
        f"/plans/{DEMO}/goals/1/1.2/",
        f"/plans/{DEMO}/goals/5/5.1/",
        f"/plans/{DEMO}/indicators/1.b/",
        f"/plans/{DEMO}/indicators/2.a/",
        f"/plans/{DEMO}/status/",
        f"/plans/{DEMO}/signatories/",
        f"/plans/{DEMO}/reports/",
        f"/plans/{DEMO}/feed/",
        "/organisations/",
        "/organisations/def/",
        "/organisations/bz/",
        "/organisations/wo-men/",
        "/accessibility/",
        "/privacy/",
    ]
    return [f"/{language}{url}" for url in urls]


# -- the pages ------------------------------------------------------------------------------


def test_home_lists_public_plans_but_not_drafts(client):
    PlanFactory(title_nl="Zichtbaar plan")
    PlanFactory(title_nl="Concept plan", status="draft")
    content = client.get(reverse("public:home")).content.decode()
    assert "Zichtbaar plan" in content
    assert "Concept plan" not in content


def test_plan_page_shows_goals_subgoals_and_indicators(client):
    plan = PlanFactory()
    build_plan(plan, 2)
    response = client.get(reverse("public:plan", args=[plan.slug]))
    assert response.status_code == 200
    for indicator in plan.indicators.all():
        assert indicator.text_nl in response.content.decode()


def test_draft_plan_pages_are_not_found(client):
    plan = PlanFactory(status="draft")
    build_plan(plan, 1)
    for url in (
        reverse("public:plan", args=[plan.slug]),
        reverse("public:goal", args=[plan.slug, 1]),
        reverse("public:subgoal", args=[plan.slug, 1, "1.1"]),
        reverse("public:status", args=[plan.slug]),
        reverse("public:signatories", args=[plan.slug]),
        reverse("public:reports", args=[plan.slug]),
        reverse("public:feed", args=[plan.slug]),
    ):
        assert client.get(url).status_code == 404, url


def test_plan_page_has_a_fixed_number_of_queries(client):
    plan = PlanFactory()
    build_plan(plan, 1)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("public:plan", args=[plan.slug]))
    for number in range(2, 8):
        goal = GoalFactory(plan=plan, number=number)
        subgoal = SubgoalFactory(goal=goal, number=f"{number}.1")
        CategoryFactory(indicator=IndicatorFactory(goal=goal, subgoal=subgoal))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("public:plan", args=[plan.slug]))
    assert len(many) == len(few)


@pytest.mark.parametrize("language", ["nl", "en", "fr"])
def test_every_public_page_renders_the_demo_data(client, demo, language):
    for url in demo_urls(language):
        response = client.get(url)
        assert response.status_code == 200, url
    goal_page = client.get(f"/{language}/plans/{DEMO}/goals/1/").content.decode()
    # A sentence from the Ministry of Defence's published 2021 entry on goal 1.
    assert "Defensie" in goal_page
    assert 'id="entry-' in goal_page


def test_plan_page_sums_up_published_progress_per_goal_and_year(client, demo):
    html = client.get(f"/en/plans/{DEMO}/").content.decode()
    published = ProgressEntry.objects.published().filter(goal__number=1, round__year=2021)
    organisations = published.values("organisation").distinct().count()
    assert f"{published.count()} entries" in html
    assert f"{organisations} organisations reporting" in html
    assert (
        "2022"
        not in re.sub(r"<[^>]+>", "", html.split("Strategic goals")[0]).split("Published progress")[
            1
        ]
    )


def test_goal_page_shows_every_published_entry_by_year_and_organisation(client, demo):
    entries = ProgressEntry.objects.published().filter(goal__number=1)
    html = client.get(f"/en/plans/{DEMO}/goals/1/").content.decode()
    for entry in entries:
        assert f'id="entry-{entry.pk}"' in html
    assert "Progress in 2021" in html
    assert "Progress in 2022" not in html  # the 2022 round is open: drafts only


def test_indicator_page_shows_targets_and_baselines(client):
    world = World()
    world.grow(1)
    html = client.get(reverse("public:indicator", args=["growing", "1.1.a"])).content.decode()
    assert "Baseline" in html and ">2<" in html.replace(" ", "")
    assert "Target" in html
    assert "<svg" in html


def test_organisation_pages_list_government_and_civil_society(client, demo):
    html = client.get("/en/organisations/").content.decode()
    assert "Ministry of Defence" in html
    assert "WO=MEN" in html
    page = client.get("/en/organisations/def/").content.decode()
    for entry in ProgressEntry.objects.published().filter(organisation__slug="def"):
        assert f'id="entry-{entry.pk}"' in page


def test_organisation_without_public_involvement_is_not_found(client):
    organisation = OrganisationFactory()
    EntryFactory(organisation=organisation, status=ProgressEntry.Status.APPROVED)
    assert client.get(reverse("public:organisation", args=[organisation.slug])).status_code == 404


def test_signatories_page_lists_signatories_and_coordinators(client, demo):
    html = client.get(f"/en/plans/{DEMO}/signatories/").content.decode()
    signatories = PlanOrganisation.objects.filter(
        plan__slug=DEMO, role=PlanOrganisation.Role.SIGNATORY
    )
    assert f"{signatories.count()} signatories" in html
    assert "War Child" in html
    assert "Ministry of Foreign Affairs" in html  # the coordinator
    assert "Cordaid" not in html  # in the demo, but no part in the plan


def test_status_page_shows_reported_and_not_reported_for_published_years_only(client):
    world = World()
    world.grow(1)
    lazy = OrganisationFactory(name_en="Lazy ministry")
    ResponsibilityFactory(organisation=lazy, goal=world.goal)
    open_round = RoundFactory(plan=world.plan, year=2023, state=ReportingRound.State.CLOSED)
    EntryFactory(
        round=open_round,
        organisation=lazy,
        goal=world.goal,
        status=ProgressEntry.Status.APPROVED,
    )
    html = client.get(reverse("public:status", args=["growing"])).content.decode()
    lazy_rows = html.split("Lazy ministry</a></th>")[1].split("</tbody>")[0]
    assert lazy_rows.count("Not reported") == 2  # 2021 and 2022
    assert 'id="status-2023"' not in html
    assert "Not published yet: 2023, 2024, 2025" in html


def test_reports_page_offers_frozen_documents_of_published_rounds(client):
    world = World()
    world.grow(1)
    document = PublishedReport.objects.get(format="pdf")
    html = client.get(reverse("public:reports", args=["growing"])).content.decode()
    url = reverse("public:report-download", args=["growing", document.pk])
    assert url in html
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == b"document"
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]


def test_report_of_an_unpublished_round_cannot_be_downloaded(client):
    world = World()
    closed = RoundFactory(plan=world.plan, year=2023, state=ReportingRound.State.CLOSED)
    document = PublishedReport.objects.create(
        round=closed,
        version=1,
        format="pdf",
        layout="organisation",
        language="nl",
        filename="early.pdf",
        content_type="application/pdf",
        content=b"early",
        sha256="0" * 64,
    )
    assert (
        client.get(reverse("public:report-download", args=["growing", document.pk])).status_code
        == 404
    )
    other = PlanFactory(slug="other")
    assert (
        client.get(reverse("public:report-download", args=[other.slug, document.pk])).status_code
        == 404
    )
    assert (
        "early.pdf" not in client.get(reverse("public:reports", args=["growing"])).content.decode()
    )


def test_every_page_has_the_same_number_of_queries_with_ten_times_the_data(
    client, django_assert_num_queries
):
    world = World()
    world.grow(1)
    counts = {}
    for url in world.urls():
        client.get(url)  # warm up (content types, translations)
        with CaptureQueriesContext(connection) as once:
            assert client.get(url).status_code == 200, url
        counts[url] = len(once)
    world.grow(9)
    for url in world.urls():
        with django_assert_num_queries(counts[url]):
            assert client.get(url).status_code == 200, url


def test_fallback_text_carries_its_language(client):
    plan = PlanFactory(title_nl="Nationaal Actieplan", title_en="")
    response = client.get(reverse("public:plan", args=[plan.slug]).replace("/nl/", "/en/"))
    assert '<span lang="nl">Nationaal Actieplan</span>' in response.content.decode()


def test_fallback_narratives_and_titles_carry_their_language(client):
    world = World()
    round_ = world.rounds[0]
    EntryFactory(
        round=round_,
        organisation=world.main,
        goal=world.goal,
        status=PUBLISHED,
        narrative_nl="<p>Alleen in het Nederlands.</p>",
        narrative_en="",
    )
    html = client.get(f"/en/plans/growing/goals/{world.goal.number}/").content.decode()
    assert '<div lang="nl"><p>Alleen in het Nederlands.</p></div>' in html
    assert f'<span lang="nl">{world.goal.title_nl}</span>' in html
    fr = client.get(f"/fr/plans/growing/goals/{world.goal.number}/").content.decode()
    assert '<div lang="nl"><p>Alleen in het Nederlands.</p></div>' in fr
    nl = client.get(f"/nl/plans/growing/goals/{world.goal.number}/").content.decode()
    assert "<p>Alleen in het Nederlands.</p>" in nl
    assert '<div lang="nl">' not in nl


def test_language_links_keep_the_page_and_its_query(client, demo):
    html = client.get(f"/en/plans/{DEMO}/status/?x=1").content.decode()
    assert f'href="/fr/plans/{DEMO}/status/?x=1" lang="fr"' in html
    assert f'href="/nl/plans/{DEMO}/status/?x=1" lang="nl"' in html
    for url in demo_urls("fr"):
        if url.endswith("/feed/"):
            continue
        page = client.get(url).content.decode()
        assert f'href="{url.replace("/fr/", "/en/", 1)}" lang="en"' in page, url


def test_pages_have_no_inline_scripts_or_styles(client, demo):
    for url in demo_urls("en"):
        html = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert not re.search(r"\sstyle=", html), url
        assert "<style" not in html, url


def test_pages_have_a_skip_link_breadcrumbs_and_headings_in_order(client, demo):
    for url in demo_urls("en"):
        if url.endswith("/feed/"):
            continue
        html = client.get(url).content.decode()
        assert 'href="#main"' in html, url
        levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]
        assert levels[0] == 1, url
        for previous, current in itertools.pairwise(levels):
            assert current <= previous + 1, (url, levels)
        if url != "/en/":
            assert 'aria-label="Breadcrumb"' in html, url


def test_header_leads_members_to_their_work_and_no_further():
    from django.test import Client

    from tests.roles import build_world

    world = build_world()
    expectations = {
        world.editor: (True, False),
        world.coordinator: (True, True),
        world.board: (True, True),
    }
    for user, (worklist, coordination) in expectations.items():
        client = Client()
        client.force_login(user)
        html = client.get("/en/").content.decode()
        assert ('href="/en/report/"' in html) is worklist, user
        assert ('href="/en/coordination/"' in html) is coordination, user
    assert 'href="/en/report/"' not in Client().get("/en/").content.decode()


@pytest.mark.parametrize("language", ["nl", "en", "fr"])
def test_logging_in_keeps_the_language_of_the_login_page(client, language):
    from tests.factories import UserFactory

    UserFactory(username="eva")
    response = client.post(
        f"/{language}/accounts/login/",
        {"username": "eva", "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/{language}/"
