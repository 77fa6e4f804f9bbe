"""Public pages and API answers are cached for anonymous visitors until something is published."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from public import caching
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
    settings.PUBLIC_STAMP_TTL = 2
    cache.clear()
    caching.forget_stamp()
    yield
    cache.clear()
    caching.forget_stamp()


@pytest.fixture
def clock(monkeypatch):
    """The clock the remembered stamp is read against, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(caching, "_clock", lambda: now[0])
    return now


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


@pytest.fixture
def round_2022(plan):
    """A closed round with an approved entry: publishing it changes the goal's page."""
    round_2022 = RoundFactory(plan=plan, year=2022, state=ReportingRound.State.CLOSED)
    EntryFactory(
        round=round_2022,
        goal=plan.goals.get(),
        status=ProgressEntry.Status.APPROVED,
        narrative_en="<p>Second year.</p>",
    )
    return round_2022


def test_a_cached_page_costs_no_query_while_the_stamp_is_remembered(
    client, cached, clock, plan, django_assert_num_queries
):
    first = client.get("/en/plans/cached/goals/1/")
    assert "First year." in first.content.decode()
    with django_assert_num_queries(0):
        again = client.get("/en/plans/cached/goals/1/")
    assert again.content == first.content
    for header in ("Content-Type", "Content-Language", "X-Frame-Options"):
        assert again[header] == first[header]
    # Headers of the outer middleware are added to a cached answer as to any other.
    assert "Content-Security-Policy" in again
    assert again["X-Request-ID"] != first["X-Request-ID"]
    clock[0] += 3  # past PUBLIC_STAMP_TTL: the stamp is read again, the page is not rebuilt
    with django_assert_num_queries(1):
        assert client.get("/en/plans/cached/goals/1/").content == first.content


def test_a_cached_page_skips_the_view(client, cached, plan, monkeypatch):
    client.get("/en/plans/cached/")

    def fail(*args, **kwargs):
        raise AssertionError("the view ran")

    monkeypatch.setattr("public.selectors.plan_page", fail)
    monkeypatch.setattr("django.contrib.sessions.middleware.SessionMiddleware.__call__", fail)
    assert client.get("/en/plans/cached/").status_code == 200
    assert client.head("/en/plans/cached/").status_code == 200


def test_a_change_outside_publishing_shows_once_the_stamp_is_read_again(
    client, cached, clock, plan
):
    client.get("/en/plans/cached/goals/1/")
    # A correction that sends no signal (a bulk update): the remembered stamp hides it...
    ProgressEntry.objects.update(narrative_en="<p>Corrected.</p>", updated_at=timezone.now())
    assert "Corrected." not in client.get("/en/plans/cached/goals/1/").content.decode()
    # ...for at most PUBLIC_STAMP_TTL seconds.
    clock[0] += 3
    assert "Corrected." in client.get("/en/plans/cached/goals/1/").content.decode()


def test_a_publish_in_another_process_shows_at_once_through_the_shared_generation(
    client, cached, clock, round_2022
):
    assert "Second year." not in client.get("/en/plans/cached/goals/1/").content.decode()
    remembered = caching.current_stamp()
    publish_round(round_=round_2022)
    # This process still remembers the old stamp, as a process that did not publish would.
    caching._remembered.value = remembered
    assert "Second year." in client.get("/en/plans/cached/goals/1/").content.decode()


def test_publishing_a_round_shows_at_once(client, cached, round_2022):
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


def test_a_visitor_with_a_flash_message_is_not_served_from_the_cache(client, cached, plan):
    client.get("/en/plans/cached/")
    client.cookies["messages"] = "pending"
    with CaptureQueriesContext(connection) as context:
        client.get("/en/plans/cached/")
    assert len(context) > 1


def test_pages_a_signed_in_user_saw_are_never_stored_for_visitors(client, cached, plan):
    client.force_login(UserFactory())
    signed_in = client.get("/en/plans/cached/").content
    client.logout()
    with CaptureQueriesContext(connection) as context:
        anonymous = client.get("/en/plans/cached/").content
    assert len(context) > 1 and anonymous != signed_in


def test_a_cache_outage_costs_speed_not_the_page(client, cached, plan, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(caching.cache, "get", down)
    monkeypatch.setattr(caching.cache, "set", down)
    response = client.get("/en/plans/cached/goals/1/")
    assert response.status_code == 200 and "First year." in response.content.decode()


def test_api_lists_are_cached_per_format_and_language(
    client, cached, plan, django_assert_num_queries
):
    url = "/api/entries/?plan=cached"
    first = client.get(url, HTTP_ACCEPT="application/json")
    assert first.status_code == 200 and first.json()["count"] == 1
    with django_assert_num_queries(0):
        again = client.get(url, HTTP_ACCEPT="application/json")
    assert again.content == first.content and again["Content-Type"] == first["Content-Type"]
    french = client.get(url + "&lang=fr", HTTP_ACCEPT="application/json")
    assert french["Content-Language"] == "fr"
    html = client.get(url, HTTP_ACCEPT="text/html")
    assert html["Content-Type"].startswith("text/html")
    # Errors are answered, never stored.
    assert client.get("/api/entries/?year=nonsense").status_code == 400
    with django_assert_num_queries(0):
        assert client.get(url, HTTP_ACCEPT="application/json").content == first.content


def test_nothing_is_cached_when_switched_off(client, settings, plan, django_assert_num_queries):
    settings.PUBLIC_PAGE_CACHE_TIMEOUT = 0
    cache.clear()
    client.get("/en/")
    OrganisationFactory()
    with django_assert_num_queries(3):  # plans, latest rounds and their documents; no stamp
        client.get("/en/")


def test_the_feed_is_cached_with_its_content_type(client, cached, plan, django_assert_num_queries):
    first = client.get("/en/plans/cached/feed/")
    with django_assert_num_queries(0):
        again = client.get("/en/plans/cached/feed/")
    assert again.content == first.content
    assert again["Content-Type"].startswith("application/atom+xml")


def test_the_filtered_entry_list_is_cached_per_query(
    client, cached, plan, django_assert_num_queries
):
    url = "/en/entries/?plan=cached&year=2021"
    first = client.get(url)
    assert first.status_code == 200 and "First year." in first.content.decode()
    with django_assert_num_queries(0):
        assert client.get(url).content == first.content
    # Another filter is another page; an invalid one is answered, never stored.
    assert client.get("/en/entries/?plan=cached&year=2022").status_code == 200
    assert client.get("/en/entries/?year=nonsense").status_code == 400
    with django_assert_num_queries(0):
        assert client.get(url).content == first.content
