"""Public pages are cached for anonymous visitors until something is published."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reporting.models import ProgressEntry, ReportingRound
from reporting.workflow import publish_round
from tests.factories import (
    EntryFactory,
    GoalFactory,
    OrganisationFactory,
    PlanFactory,
    RoundFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    settings.PUBLIC_PAGE_CACHE_TIMEOUT = 600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def plan():
    plan = PlanFactory(slug="cached")
    goal = GoalFactory(plan=plan, number=1)
    published = RoundFactory(
        plan=plan, year=2021, state=ReportingRound.State.PUBLISHED, published_at=timezone.now()
    )
    EntryFactory(
        round=published,
        goal=goal,
        status=ProgressEntry.Status.PUBLISHED,
        published_at=timezone.now(),
        narrative_en="<p>First year.</p>",
    )
    return plan


def test_a_cached_page_costs_one_query(client, cached, plan, django_assert_num_queries):
    first = client.get("/en/plans/cached/goals/1/")
    assert "First year." in first.content.decode()
    with django_assert_num_queries(1):  # the publication stamp
        again = client.get("/en/plans/cached/goals/1/")
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]


def test_publishing_a_round_shows_at_once(client, cached, plan):
    goal = plan.goals.get()
    round_2022 = RoundFactory(plan=plan, year=2022, state=ReportingRound.State.CLOSED)
    EntryFactory(
        round=round_2022,
        goal=goal,
        status=ProgressEntry.Status.APPROVED,
        narrative_en="<p>Second year.</p>",
    )
    before = client.get("/en/plans/cached/goals/1/").content.decode()
    assert "Second year." not in before
    publish_round(round_=round_2022)
    after = client.get("/en/plans/cached/goals/1/").content.decode()
    assert "Second year." in after


def test_languages_and_queries_are_cached_apart(client, cached, plan):
    english = client.get("/en/plans/cached/").content.decode()
    french = client.get("/fr/plans/cached/").content.decode()
    assert 'lang="en"' in english.split(">")[1]
    assert 'lang="fr"' in french.split(">")[1]
    assert (
        client.get("/en/plans/cached/?a=1").content != client.get("/fr/plans/cached/?a=1").content
    )


def test_editing_the_plan_framework_refreshes_pages(client, cached, plan):
    client.get("/en/plans/cached/")
    goal = plan.goals.get()
    goal.title_en = "A renamed goal"
    goal.save()
    assert "A renamed goal" in client.get("/en/plans/cached/").content.decode()


def test_signed_in_users_are_not_served_from_the_cache(client, cached, plan):
    client.get("/en/plans/cached/goals/1/")
    client.force_login(UserFactory())
    with CaptureQueriesContext(connection) as context:
        client.get("/en/plans/cached/goals/1/")
    # Session, user and work links, then the page's own queries: no cached copy.
    assert len(context) > 6


def test_nothing_is_cached_when_switched_off(client, settings, plan, django_assert_num_queries):
    settings.PUBLIC_PAGE_CACHE_TIMEOUT = 0
    cache.clear()
    client.get("/en/")
    OrganisationFactory()
    with django_assert_num_queries(3):  # plans, latest rounds and their documents; no stamp
        client.get("/en/")


def test_the_feed_is_cached_with_its_content_type(client, cached, plan, django_assert_num_queries):
    first = client.get("/en/plans/cached/feed/")
    with django_assert_num_queries(1):
        again = client.get("/en/plans/cached/feed/")
    assert again.content == first.content
    assert again["Content-Type"].startswith("application/atom+xml")


def test_the_filtered_entry_list_is_cached_per_query(
    client, cached, plan, django_assert_num_queries
):
    url = "/en/entries/?plan=cached&year=2021"
    first = client.get(url)
    assert first.status_code == 200 and "First year." in first.content.decode()
    with django_assert_num_queries(1):
        assert client.get(url).content == first.content
    # Another filter is another page; an invalid one is answered, never stored.
    assert client.get("/en/entries/?plan=cached&year=2022").status_code == 200
    assert client.get("/en/entries/?year=nonsense").status_code == 400
    with django_assert_num_queries(1):
        assert client.get(url).content == first.content
