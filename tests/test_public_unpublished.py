"""Nothing unpublished reaches a public page or feed: drafts, submitted, returned and approved
entries, entries of unpublished rounds, draft plans, comments and history."""

import pytest
from django.utils import timezone

from indicators.models import PlanOrganisation
from reporting.models import (
    EntryComment,
    EntryTransition,
    Example,
    ProgressEntry,
    Reference,
    ReportingRound,
)
from tests.factories import (
    EntryFactory,
    GoalFactory,
    IndicatorFactory,
    OrganisationFactory,
    PlanFactory,
    PlanOrganisationFactory,
    ResponsibilityFactory,
    RoundFactory,
    SubgoalFactory,
    UserFactory,
    ValueFactory,
)
from tests.test_public_pages import DEMO, demo_urls

pytestmark = pytest.mark.django_db

MARKER = "SECRETMARKER"
SECRET_VALUE = "987654321"
Status = ProgressEntry.Status


def secret_entry(round_, organisation, goal, status, tag, subgoal=None, indicator=None):
    entry = EntryFactory(
        round=round_,
        organisation=organisation,
        goal=goal,
        subgoal=subgoal,
        indicator=indicator,
        status=status,
        narrative_nl=f"<p>{MARKER} {tag} nl</p>",
        narrative_en=f"<p>{MARKER} {tag} en</p>",
        narrative_fr=f"<p>{MARKER} {tag} fr</p>",
        not_reported_reason_nl=f"{MARKER} reason",
    )
    if indicator is not None:
        ValueFactory(entry=entry, value=int(SECRET_VALUE))
    Example.objects.create(entry=entry, title_nl=f"{MARKER} example", partner=MARKER)
    Reference.objects.create(
        entry=entry, kind=Reference.Kind.DOCUMENT, citation=f"{MARKER} 1", title=MARKER
    )
    author = UserFactory()
    EntryComment.objects.create(entry=entry, author=author, text=f"{MARKER} comment")
    EntryTransition.objects.create(
        entry=entry, from_status="", to_status=status, actor=author, comment=f"{MARKER} step"
    )
    return entry


@pytest.fixture
def unpublished(demo):
    from indicators.models import Goal, Indicator, Organisation, Plan

    plan = Plan.objects.get(slug=DEMO)
    goal = Goal.objects.get(plan=plan, number=1)
    subgoal = goal.subgoals.get(number="1.2")
    indicator = Indicator.objects.get(plan=plan, code="1.b")
    defence = Organisation.objects.get(slug="def")
    round_2022 = ReportingRound.objects.get(plan=plan, year=2022)
    round_2021 = ReportingRound.objects.get(plan=plan, year=2021)
    for number, status in enumerate(
        [Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.APPROVED]
    ):
        organisation = OrganisationFactory(slug=f"secret-{number}", name_en=f"{MARKER} org")
        # An organisation that only has unpublished entries (its page must not exist).
        secret_entry(round_2022, organisation, goal, status, f"s{number}")
        secret_entry(round_2021, organisation, goal, status, f"i{number}", indicator=indicator)
    # A draft of an organisation that also has published entries.
    secret_entry(round_2022, defence, goal, Status.DRAFT, "defence", subgoal=subgoal)
    # A closed round (not published) whose entries are approved, and one whose entries say
    # published while the round itself is not (must still not show).
    closed = RoundFactory(plan=plan, year=2023, state=ReportingRound.State.CLOSED)
    secret_entry(closed, defence, goal, Status.APPROVED, "closed")
    secret_entry(closed, defence, goal, Status.PUBLISHED, "early", indicator=indicator)
    # A draft plan with a published-looking round and entry.
    draft_plan = PlanFactory(slug="secret-plan", title_nl=MARKER, status="draft")
    draft_goal = GoalFactory(plan=draft_plan, title_nl=MARKER)
    SubgoalFactory(goal=draft_goal, number="1.1", title_nl=MARKER)
    IndicatorFactory(goal=draft_goal, code="x.1", text_nl=MARKER)
    draft_round = RoundFactory(
        plan=draft_plan, state=ReportingRound.State.PUBLISHED, published_at=timezone.now()
    )
    hidden = OrganisationFactory(slug="hidden", name_en=f"{MARKER} hidden")
    PlanOrganisationFactory(plan=draft_plan, organisation=hidden)
    ResponsibilityFactory(organisation=hidden, goal=draft_goal)
    secret_entry(draft_round, hidden, draft_goal, Status.PUBLISHED, "draftplan")
    PlanOrganisation.objects.get_or_create(plan=plan, organisation=defence)
    return plan


def public_urls(language):
    return [
        *demo_urls(language),
        f"/{language}/plans/{DEMO}/indicators/1.b/?q={MARKER[:3]}",
        f"/{language}/plans/{DEMO}/goals/1/1.2/",
        f"/{language}/organisations/secret-0/",
        f"/{language}/organisations/hidden/",
        f"/{language}/plans/secret-plan/",
        f"/{language}/plans/secret-plan/goals/1/",
        f"/{language}/plans/secret-plan/feed/",
        f"/{language}/plans/secret-plan/status/",
    ]


@pytest.mark.parametrize("language", ["nl", "en", "fr"])
def test_no_unpublished_data_appears_on_any_public_page(client, unpublished, language):
    assert ProgressEntry.objects.filter(narrative_nl__contains=MARKER).count() >= 10
    seen = 0
    for url in public_urls(language):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        content = response.content.decode()
        assert MARKER not in content, url
        assert SECRET_VALUE not in content.replace(".", "").replace(",", ""), url
        seen += response.status_code == 200
    assert seen >= len(demo_urls(language))


def test_pages_of_organisations_and_plans_with_only_unpublished_data_are_not_found(
    client, unpublished
):
    for url in public_urls("en")[-6:]:
        assert client.get(url).status_code == 404, url


def test_status_page_does_not_count_unpublished_entries_as_reported(client, unpublished):
    html = client.get(f"/en/plans/{DEMO}/status/").content.decode()
    assert 'id="status-2023"' not in html
    assert 'id="status-2022"' not in html
    assert "Not published yet: 2022, 2023, 2024, 2025" in html
