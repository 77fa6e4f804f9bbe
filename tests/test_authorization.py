"""Authorization beyond the permission matrix: a revoked role or a deactivated account stops
working on the very next request of a session that is already logged in, and an editor cannot
set the fields that belong to the workflow (organisation, status, approver, publication, lock,
version) through any form or endpoint they can reach."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from indicators.models import Goal
from reporting import workflow
from reporting.models import ProgressEntry, ReportingRound
from tests.factories import (
    GoalFactory,
    IndicatorFactory,
    ResponsibilityFactory,
    RoundFactory,
    UserFactory,
)
from tests.otp import VerifiedClient as Client
from tests.roles import build_world
from tests.urlmatrix import form_data, redirect_path

pytestmark = pytest.mark.django_db

# Fields of an entry that only the workflow sets.
PROTECTED = (
    "round",
    "organisation",
    "goal",
    "subgoal",
    "indicator",
    "status",
    "version",
    "created_at",
    "last_edited_by",
    "submitted_at",
    "submitted_by",
    "approved_at",
    "approved_by",
    "published_at",
)


def protected_fields() -> set[str]:
    """PROTECTED plus whatever lock or version field an entry has (optimistic locking)."""
    names = {field.name for field in ProgressEntry._meta.concrete_fields}
    return set(PROTECTED) | {name for name in names if "lock" in name or "version" in name}


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def draft(world):
    entry = workflow.start_entry(
        acting_user=world.editor,
        round_=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
    )
    entry.narrative_nl = "<p>Concept.</p>"
    return workflow.save_entry(acting_user=world.editor, entry=entry, expected_version=1)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def protected_values(entry) -> dict:
    entry = ProgressEntry.objects.get(pk=entry.pk)
    return {
        name: getattr(entry, ProgressEntry._meta.get_field(name).attname)
        for name in protected_fields()
    }


def hostile(world) -> dict:
    """Values an editor would like to set: another round, organisation, goal and indicator,
    approved and published by themselves, a version of their choosing."""
    now = timezone.now().isoformat()
    other_round = ReportingRound.objects.filter(plan=world.plan, year=2019).first()
    other_round = other_round or RoundFactory(plan=world.plan, year=2019)
    other_goal = Goal.objects.filter(plan=world.plan, number=9).first()
    other_goal = other_goal or GoalFactory(plan=world.plan, number=9)
    return {
        "round": other_round.pk,
        "organisation": world.other.pk,
        "goal": other_goal.pk,
        "indicator": IndicatorFactory(goal=other_goal).pk,
        "status": ProgressEntry.Status.PUBLISHED,
        "version": 99,
        "created_at": now,
        "last_edited_by": world.coordinator.pk,
        "submitted_at": now,
        "submitted_by": world.coordinator.pk,
        "approved_at": now,
        "approved_by": world.coordinator.pk,
        "published_at": now,
        "locked": "on",
        "lock_exceptions": "1",
    }


# --- revoking ------------------------------------------------------------------------------------


def test_deleting_a_membership_shuts_the_workspace_on_the_next_request(world, draft):
    client = logged_in(world.editor)
    url = reverse("workspace:reporting_progressentry_change", args=[draft.pk])
    assert client.get(url).status_code == 200

    Membership.objects.filter(user=world.editor).delete()

    response = client.get(url)
    assert response.status_code == 302
    assert redirect_path(response) == reverse("workspace:login")
    assert client.get(reverse("workspace:index")).status_code == 302


def test_a_lesser_role_takes_effect_on_the_next_request(world, draft):
    client = logged_in(world.editor)
    url = reverse("workspace:reporting_progressentry_change", args=[draft.pk])
    data = form_data(client.get(url))

    Membership.objects.filter(user=world.editor).update(role=Membership.Role.BOARD)

    # Still a member (the worklist opens, the entry can be read), but no longer an editor.
    assert client.get(reverse("workspace:index")).status_code == 200
    response = client.post(url, {**data, "narrative_nl": "<p>Toch.</p>"})
    assert response.status_code == 403
    assert ProgressEntry.objects.get(pk=draft.pk).narrative_nl == "<p>Concept.</p>"


def test_deactivating_a_user_logs_them_out_on_the_next_request(world, draft):
    client = logged_in(world.editor)
    url = reverse("workspace:reporting_progressentry_change", args=[draft.pk])
    assert client.get(url).status_code == 200
    data = form_data(client.get(url))

    world.editor.is_active = False
    world.editor.save()

    response = client.post(url, {**data, "narrative_nl": "<p>Nog snel.</p>"})
    assert response.status_code == 302
    assert redirect_path(response) == reverse("workspace:login")
    assert ProgressEntry.objects.get(pk=draft.pk).narrative_nl == "<p>Concept.</p>"
    assert redirect_path(client.get(reverse("coordination:index"))) == reverse("login")


def test_revoking_a_coordinator_closes_the_review_on_the_next_request(world, draft):
    entry = workflow.submit_entry(acting_user=world.focal, entry=draft)
    client = logged_in(world.coordinator)
    args = [world.plan.slug, world.round.year, entry.pk]
    assert client.get(reverse("coordination:review", args=args)).status_code == 200

    Membership.objects.filter(user=world.coordinator).delete()

    assert client.get(reverse("coordination:review", args=args)).status_code == 404
    assert client.post(reverse("coordination:approve", args=args)).status_code == 404
    assert ProgressEntry.objects.get(pk=entry.pk).status == ProgressEntry.Status.SUBMITTED


def test_removing_the_staff_flag_closes_the_admin_on_the_next_request(world):
    staff = UserFactory(username="beheer", is_staff=True, is_superuser=True)
    client = logged_in(staff)
    assert client.get(reverse("admin:index")).status_code == 200

    staff.is_staff = False
    staff.save()

    response = client.get(reverse("admin:accounts_membership_changelist"))
    assert response.status_code == 302
    assert redirect_path(response) == reverse("admin:login")


def test_removing_superuser_rights_takes_effect_on_the_next_request(world):
    staff = UserFactory(username="beheer", is_staff=True, is_superuser=True)
    client = logged_in(staff)
    url = reverse("admin:accounts_membership_changelist")
    assert client.get(url).status_code == 200

    staff.is_superuser = False
    staff.save()

    assert client.get(url).status_code == 403


# --- protected fields ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["editor", "focal"])
def test_the_entry_form_offers_no_protected_field(world, draft, role):
    response = logged_in(getattr(world, role)).get(
        reverse("workspace:reporting_progressentry_change", args=[draft.pk])
    )
    assert response.status_code == 200
    offered = set(response.context["adminform"].form.fields)
    assert not offered & protected_fields(), offered & protected_fields()
    for inline in response.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            # An inline row belongs to this entry: the entry it hangs on is not the user's pick.
            assert not {"entry"} & {
                name for name, field in form.fields.items() if not field.widget.is_hidden
            }


@pytest.mark.parametrize("role", ["editor", "focal"])
def test_protected_fields_posted_with_the_entry_form_are_ignored(world, draft, role):
    client = logged_in(getattr(world, role))
    url = reverse("workspace:reporting_progressentry_change", args=[draft.pk])
    data = form_data(client.get(url))
    before = protected_values(draft)

    response = client.post(url, {**data, **hostile(world), "narrative_nl": "<p>Nieuw.</p>"})

    assert response.status_code == 302, response.context and response.context["errors"]
    after = protected_values(draft)
    entry = ProgressEntry.objects.get(pk=draft.pk)
    assert entry.narrative_nl == "<p>Nieuw.</p>", "the ordinary change went through"
    # Only the workflow's own bookkeeping moved: one version up, the editor as last editor.
    assert after["version"] == before["version"] + 1
    assert after["last_edited_by"] == getattr(world, role).pk
    unchanged = protected_fields() - {"version", "last_edited_by"}
    assert {name: after[name] for name in unchanged} == {name: before[name] for name in unchanged}


def test_starting_an_entry_ignores_a_posted_organisation_and_status(world):
    indicator = IndicatorFactory(goal=world.goal, code="1.z")
    item = ResponsibilityFactory(organisation=world.ministry, goal=world.goal, indicator=indicator)
    client = logged_in(world.editor)

    response = client.post(
        reverse("workspace:start_entry"),
        # The worklist item and round posted say what to start; the rest is wishful.
        {**hostile(world), "responsibility": item.pk, "round": world.round.pk},
    )

    assert response.status_code == 302
    entry = ProgressEntry.objects.get(indicator=indicator)
    assert (entry.organisation, entry.status, entry.version) == (
        world.ministry,
        ProgressEntry.Status.DRAFT,
        1,
    )
    assert (entry.approved_by, entry.approved_at, entry.published_at) == (None, None, None)


def test_submitting_ignores_a_posted_status(world, draft):
    client = logged_in(world.focal)
    response = client.post(
        reverse("workspace:reporting_progressentry_submit", args=[draft.pk]),
        hostile(world),
    )
    assert response.status_code == 302
    entry = ProgressEntry.objects.get(pk=draft.pk)
    assert entry.status == ProgressEntry.Status.SUBMITTED
    assert (entry.approved_by, entry.approved_at, entry.published_at) == (None, None, None)
    assert entry.organisation == world.ministry and entry.submitted_by == world.focal


@pytest.mark.parametrize("action", ["copy_previous", "comment"])
def test_the_other_workspace_posts_ignore_protected_fields(world, draft, action):
    client = logged_in(world.editor)
    before = protected_values(draft)
    data = {"expected_version": draft.version, "text": "Vraag", **hostile(world)}
    client.post(reverse(f"workspace:reporting_progressentry_{action}", args=[draft.pk]), data)
    after = protected_values(draft)
    steady = protected_fields() - {"version", "last_edited_by"}
    assert {name: after[name] for name in steady} == {name: before[name] for name in steady}


def test_submitting_the_organisation_ignores_posted_fields(world, draft):
    client = logged_in(world.focal)
    client.post(
        reverse("workspace:submit_organisation"),
        # The organisation posted is the one to submit; the rest is what the focal point wishes.
        {**hostile(world), "organisation": world.ministry.pk, "round": world.round.pk},
    )
    entry = ProgressEntry.objects.get(pk=draft.pk)
    assert entry.status == ProgressEntry.Status.SUBMITTED
    assert entry.approved_by is None and entry.published_at is None


def test_no_change_form_of_the_main_admin_is_open_to_an_editor(world, draft):
    """Editors are no staff: every change form of the main admin sends them to its login page
    and the object stays as it was."""
    client = logged_in(world.editor)
    for model in admin.site._registry:
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk]
        )
        before = model._default_manager.filter(pk=obj.pk).values().first()
        response = client.post(url, {"status": "published", "organisation": world.other.pk})
        assert response.status_code == 302, url
        assert redirect_path(response) == reverse("admin:login"), url
        assert model._default_manager.filter(pk=obj.pk).values().first() == before, url


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_writes_nothing_for_an_editor(world, draft, method):
    entry = draft
    entry = workflow.approve_entry(
        acting_user=world.coordinator,
        entry=workflow.submit_entry(acting_user=world.focal, entry=entry),
    )
    workflow.publish_round(round_=world.round, actor=world.coordinator)
    before = protected_values(entry)
    client = logged_in(world.editor)
    for url in ("/api/entries/", f"/api/entries/{entry.pk}/"):
        response = getattr(client, method)(
            url,
            {"status": "draft", "organisation": world.other.pk, "narrative_nl": "Weg"},
            content_type="application/json",
        )
        assert response.status_code in (401, 403, 405), (url, response.status_code)
    assert protected_values(entry) == before
    assert ProgressEntry.objects.get(pk=entry.pk).narrative_nl == "<p>Concept.</p>"


def test_lock_exceptions_are_the_coordinators_alone(world, draft):
    """An editor cannot unlock an approved entry for themselves."""
    entry = workflow.approve_entry(
        acting_user=world.coordinator,
        entry=workflow.submit_entry(acting_user=world.focal, entry=draft),
    )
    until = (timezone.now() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    for role in ("editor", "focal"):
        response = logged_in(getattr(world, role)).post(
            reverse(
                "coordination:lock-exception", args=[world.plan.slug, world.round.year, entry.pk]
            ),
            {"reason": "Zelf openen", "until": until},
        )
        assert response.status_code == 404
    assert not entry.lock_exceptions.exists()
