"""Each plan has an Atom feed of newly published progress."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from reporting.models import ProgressEntry, ReportingRound
from tests.factories import EntryFactory, GoalFactory, PlanFactory, RoundFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def plan():
    plan = PlanFactory(slug="fed", short_name="NAP-F")
    goal = GoalFactory(plan=plan, number=1)
    published = RoundFactory(
        plan=plan, year=2021, state=ReportingRound.State.PUBLISHED, published_at=timezone.now()
    )
    older = timezone.now() - datetime.timedelta(days=30)
    EntryFactory(
        round=published,
        goal=goal,
        status=ProgressEntry.Status.PUBLISHED,
        published_at=older,
        narrative_en="<p>Older progress.</p>",
    )
    EntryFactory(
        round=published,
        goal=goal,
        status=ProgressEntry.Status.PUBLISHED,
        published_at=timezone.now(),
        narrative_en="<p>Newest progress.</p>",
    )
    EntryFactory(
        round=RoundFactory(plan=plan, year=2022),
        goal=goal,
        status=ProgressEntry.Status.APPROVED,
        narrative_en="<p>Not yet public.</p>",
    )
    return plan


def test_feed_is_atom_with_the_newest_published_entries_first(client, plan):
    response = client.get("/en/plans/fed/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert "NAP-F" in feed.find(f"{ATOM}title").text
    summaries = [entry.find(f"{ATOM}summary").text for entry in feed.iter(f"{ATOM}entry")]
    assert summaries == ["<p>Newest progress.</p>", "<p>Older progress.</p>"]
    link = next(feed.iter(f"{ATOM}entry")).find(f"{ATOM}link").get("href")
    assert link.startswith("http://testserver/en/plans/fed/goals/1/#entry-")


def test_feed_follows_the_language_of_its_url(client, plan):
    feed = ET.fromstring(client.get("/fr/plans/fed/feed/").content)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert "/fr/plans/fed/" in next(feed.iter(f"{ATOM}entry")).find(f"{ATOM}link").get("href")


def test_plan_page_announces_its_feed(client, plan):
    html = client.get("/en/plans/fed/").content.decode()
    assert 'type="application/atom+xml" href="/en/plans/fed/feed/"' in html


def test_feed_of_a_draft_plan_is_not_found(client):
    PlanFactory(slug="hidden", status="draft")
    assert client.get("/en/plans/hidden/feed/").status_code == 404
