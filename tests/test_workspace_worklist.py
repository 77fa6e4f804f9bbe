"""The reporting workspace's worklist: what each organisation reports on, and where it stands."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from indicators.models import PlanOrganisation
from reporting import workflow
from reporting.models import EntryTransition, ProgressEntry
from tests.factories import (
    IndicatorFactory,
    MembershipFactory,
    OrganisationFactory,
    ResponsibilityFactory,
    SubgoalFactory,
    UserFactory,
)
from tests.otp import enter_code
from tests.roles import build_world

pytestmark = pytest.mark.django_db

WORKLIST = "/en/report/"


@pytest.fixture
def world():
    return build_world()


def start(world, indicator, user=None, organisation=None):
    return workflow.start_entry(
        acting_user=user or world.editor,
        round_=world.round,
        organisation=organisation or world.ministry,
        goal=indicator.goal,
        subgoal=indicator.subgoal,
        indicator=indicator,
    )


def add_items(world, count, started=True):
    """`count` more indicators the ministry reports on; every other one started."""
    indicators = []
    for n in range(count):
        indicator = IndicatorFactory(goal=world.goal)
        ResponsibilityFactory(organisation=world.ministry, goal=world.goal, indicator=indicator)
        if started and n % 2 == 0:
            start(world, indicator)
        indicators.append(indicator)
    return indicators


def items_of(response):
    return {
        (item.indicator.code if item.indicator else None): item
        for round_work in response.context["worklist"]
        for work in round_work.organisations
        for item in work.items
    }


# --- who gets in --------------------------------------------------------------------------


def test_the_workspace_asks_to_log_in(client, world):
    response = client.get(WORKLIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/report/login/")


def test_a_member_without_the_staff_flag_logs_in_and_sees_the_worklist(client, world):
    assert not world.editor.is_staff
    response = client.post(
        "/en/report/login/",
        {"username": "editor", "password": "correct horse battery staple", "next": WORKLIST},
    )
    assert response.status_code == 302
    assert response["Location"] == WORKLIST
    enter_code(client, world.editor)  # the second factor
    response = client.get(WORKLIST)
    assert response.status_code == 200
    assert "NAP 1325 reporting" in response.content.decode()


def test_an_account_without_a_membership_cannot_log_in(client, world):
    UserFactory(username="stranger")
    response = client.post(
        "/en/report/login/",
        {"username": "stranger", "password": "correct horse battery staple", "next": WORKLIST},
    )
    assert response.status_code == 200
    assert "not a member of any organisation" in response.content.decode()
    client.force_login(UserFactory(username="staff-only", is_staff=True))
    assert client.get(WORKLIST).status_code == 302


def test_an_inactive_member_is_refused(client, world):
    client.force_login(world.inactive)
    assert client.get(WORKLIST).status_code == 302


# --- what the worklist shows -------------------------------------------------------------


def test_worklist_shows_every_item_with_its_status_including_the_not_started(client, world):
    subgoal = SubgoalFactory(goal=world.goal, number="1.1", title_nl="Subdoel één")
    qualitative = IndicatorFactory(
        goal=world.goal, subgoal=subgoal, code="1.1.b", kind="qualitative", text_nl="Verhalen"
    )
    ResponsibilityFactory(
        organisation=world.ministry, goal=world.goal, subgoal=subgoal, indicator=qualitative
    )
    ResponsibilityFactory(organisation=world.ministry, goal=world.goal)  # the goal as a whole
    entry = start(world, world.indicator)
    client.force_login(world.editor)

    response = client.get(WORKLIST)

    assert response.status_code == 200
    items = items_of(response)
    assert set(items) == {"1.a", "1.1.b", None}
    assert items["1.a"].entry == entry and items["1.a"].status == "draft"
    assert items["1.1.b"].entry is None and items["1.1.b"].status == "not_started"
    assert items["1.1.b"].can_start
    content = response.content.decode()
    change_url = reverse("workspace:reporting_progressentry_change", args=[entry.pk])
    assert f'href="{change_url}"' in content
    assert content.count('name="responsibility"') == 2  # a Start button per item not started
    assert "Not started" in content and "Verhalen" in content and "Subdoel" not in content
    assert "Goal 1" in content
    # the other ministry's items are not on this worklist
    assert all(
        work.organisation == world.ministry
        for work in response.context["worklist"][0].organisations
    )


def test_worklist_shows_the_deadline_and_the_days_left(client):
    world = build_world(deadline=timezone.localdate() + datetime.timedelta(days=12))
    client.force_login(world.editor)
    response = client.get(WORKLIST)
    content = response.content.decode()
    assert world.round.deadline.strftime("%Y-%m-%d") in content
    assert "12 days left" in content
    assert "overdue" not in content


def test_an_overdue_round_is_flagged_on_the_round_and_on_unfinished_items(client):
    world = build_world(deadline=timezone.localdate() - datetime.timedelta(days=3))
    done = IndicatorFactory(goal=world.goal, code="1.c")
    ResponsibilityFactory(organisation=world.ministry, goal=world.goal, indicator=done)
    entry = ProgressEntry.objects.create(
        round=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=done,
        status=ProgressEntry.Status.SUBMITTED,
    )
    client.force_login(world.editor)

    response = client.get(WORKLIST)

    round_work = response.context["worklist"][0]
    assert round_work.overdue and round_work.days_overdue == 3
    content = response.content.decode()
    assert "overdue by 3 days" in content
    assert "closed for editing on" in content
    # the not-started item is flagged; the submitted one is not; neither can be started now
    assert content.count('class="ws-flag ws-flag-overdue">overdue<') == 1
    assert not items_of(response)["1.a"].can_start
    assert 'name="responsibility"' not in content
    assert f'id="entry-{entry.pk}"' in content


def test_a_closed_round_is_not_on_the_worklist(client):
    world = build_world(state="closed")
    client.force_login(world.editor)
    response = client.get(WORKLIST)
    assert response.context["worklist"] == []
    assert "no open reporting round" in response.content.decode()


def test_civil_society_signatories_are_labelled_as_such(client, world):
    signatory = OrganisationFactory(slug="cs", kind="civil_society", name_nl="Vrouwenplatform")
    PlanOrganisation.objects.create(plan=world.plan, organisation=signatory, role="signatory")
    ResponsibilityFactory(organisation=signatory, goal=world.goal, indicator=world.indicator)
    volunteer = UserFactory(username="volunteer")
    MembershipFactory(user=volunteer, organisation=signatory, role=Membership.Role.EDITOR)
    client.force_login(volunteer)

    response = client.get(WORKLIST)

    work = response.context["worklist"][0].organisations[0]
    assert work.organisation == signatory and work.is_civil_society
    assert "civil-society signatory" in response.content.decode()
    # and the ministry's editor sees no such label
    client.force_login(world.editor)
    assert "civil-society signatory" not in client.get(WORKLIST).content.decode()


def test_worklist_has_a_fixed_number_of_queries(client, world):
    client.force_login(world.editor)
    add_items(world, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(WORKLIST).status_code == 200
    add_items(world, 10)
    with CaptureQueriesContext(connection) as many:
        response = client.get(WORKLIST)
    assert len(items_of(response)) == 12
    # session, user, second-factor device, memberships, responsibilities, rounds, entries,
    # their lock exceptions
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]
    assert len(one) <= 9


# --- starting and submitting -------------------------------------------------------------


def test_start_creates_the_draft_through_the_workflow_and_opens_it(client, world):
    responsibility = world.ministry.responsibilities.get()
    client.force_login(world.editor)

    response = client.post(
        reverse("workspace:start_entry"),
        {"round": world.round.pk, "responsibility": responsibility.pk},
    )

    entry = ProgressEntry.objects.get(organisation=world.ministry)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "workspace:reporting_progressentry_change", args=[entry.pk]
    )
    assert (entry.indicator, entry.status, entry.last_edited_by) == (
        world.indicator,
        "draft",
        world.editor,
    )
    assert EntryTransition.objects.filter(entry=entry, to_status="draft").count() == 1
    # a second click opens the same draft
    again = client.post(
        reverse("workspace:start_entry"),
        {"round": world.round.pk, "responsibility": responsibility.pk},
    )
    assert again["Location"] == response["Location"]
    assert ProgressEntry.objects.count() == 1


def test_start_is_a_post_and_only_for_the_users_own_organisation(client, world):
    others = world.other.responsibilities.get()
    client.force_login(world.editor)
    assert client.get(reverse("workspace:start_entry")).status_code == 405
    response = client.post(
        reverse("workspace:start_entry"), {"round": world.round.pk, "responsibility": others.pk}
    )
    assert response.status_code == 404
    response = client.post(reverse("workspace:start_entry"), {"round": "x", "responsibility": "y"})
    assert response.status_code == 404
    assert not ProgressEntry.objects.exists()


def test_a_board_member_cannot_start_an_entry(client, world):
    signatory = world.plan.participations.get(role="co_coordinator").organisation
    responsibility = ResponsibilityFactory(
        organisation=signatory, goal=world.goal, indicator=world.indicator
    )
    client.force_login(world.board)
    response = client.get(WORKLIST)
    assert 'name="responsibility"' not in response.content.decode()
    response = client.post(
        reverse("workspace:start_entry"),
        {"round": world.round.pk, "responsibility": responsibility.pk},
        follow=True,
    )
    assert "only report for your own organisation" in response.content.decode()
    assert not ProgressEntry.objects.exists()


def test_the_focal_point_submits_all_drafts_to_the_coordinator(client, world):
    entries = [start(world, world.indicator)]
    for indicator in add_items(world, 2, started=False):
        entries.append(start(world, indicator))
    for entry in entries:
        entry = ProgressEntry.objects.get(pk=entry.pk)
        entry.narrative_nl = "<p>Gedaan</p>"
        workflow.save_entry(acting_user=world.editor, entry=entry, expected_version=entry.version)

    client.force_login(world.editor)
    assert "Submit all drafts to the coordinator" not in client.get(WORKLIST).content.decode()
    client.force_login(world.focal)
    assert "Submit all drafts to the coordinator" in client.get(WORKLIST).content.decode()

    response = client.post(
        reverse("workspace:submit_organisation"),
        {"round": world.round.pk, "organisation": world.ministry.pk},
        follow=True,
    )

    assert response.status_code == 200
    assert set(ProgressEntry.objects.values_list("status", flat=True)) == {"submitted"}
    assert "3 entries" in response.content.decode()
    assert "Submit all drafts to the coordinator" not in response.content.decode()


def test_an_editor_cannot_submit_for_the_organisation(client, world):
    entry = start(world, world.indicator)
    entry.narrative_nl = "<p>Gedaan</p>"
    workflow.save_entry(acting_user=world.editor, entry=entry, expected_version=entry.version)
    client.force_login(world.editor)
    response = client.post(
        reverse("workspace:submit_organisation"),
        {"round": world.round.pk, "organisation": world.ministry.pk},
        follow=True,
    )
    assert "focal point can submit entries" in response.content.decode()
    assert ProgressEntry.objects.get().status == "draft"
    client.force_login(world.other_editor)
    response = client.post(
        reverse("workspace:submit_organisation"),
        {"round": world.round.pk, "organisation": world.ministry.pk},
    )
    assert response.status_code == 404


def test_submitting_all_is_all_or_nothing(client, world):
    written = start(world, world.indicator)
    written.narrative_nl = "<p>Gedaan</p>"
    workflow.save_entry(acting_user=world.editor, entry=written, expected_version=1)
    start(world, add_items(world, 1, started=False)[0])  # empty: cannot be submitted
    client.force_login(world.focal)
    response = client.post(
        reverse("workspace:submit_organisation"),
        {"round": world.round.pk, "organisation": world.ministry.pk},
        follow=True,
    )
    assert "Nothing was submitted" in response.content.decode()
    assert set(ProgressEntry.objects.values_list("status", flat=True)) == {"draft"}
