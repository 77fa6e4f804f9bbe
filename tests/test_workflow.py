"""Draft -> submitted -> returned or approved -> published, with locks and four eyes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from reporting import access, workflow
from reporting.models import EntryTransition, ProgressEntry, ReportingRound
from tests.roles import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def start(world, user=None):
    return workflow.start_entry(
        acting_user=user or world.editor,
        round_=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
    )


def edit(entry, user, text, version=None):
    entry = ProgressEntry.objects.get(pk=entry.pk)
    entry.narrative_nl = text
    return workflow.save_entry(
        acting_user=user, entry=entry, expected_version=version or entry.version
    )


def submitted(world):
    entry = start(world)
    edit(entry, world.editor, "<p>Voortgang</p>")
    return workflow.submit_entry(acting_user=world.focal, entry=entry)


def test_full_cycle_records_every_transition(world):
    entry = submitted(world)
    entry = workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="Bron?")
    edit(entry, world.editor, "<p>Voortgang, met bron</p>")
    entry = workflow.submit_entry(acting_user=world.focal, entry=entry)
    entry = workflow.approve_entry(acting_user=world.second_coordinator, entry=entry)
    workflow.schedule_publication(acting_user=world.coordinator, round_=world.round)

    entry.refresh_from_db()
    assert entry.status == "published"
    steps = list(
        EntryTransition.objects.filter(entry=entry).values_list("from_status", "to_status")
    )
    assert steps == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "returned"),
        ("returned", "submitted"),
        ("submitted", "approved"),
        ("approved", "published"),
    ]
    assert entry.comments.get().text == "Bron?"
    world.round.refresh_from_db()
    assert world.round.state == ReportingRound.State.PUBLISHED


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("editor", True),
        ("focal", True),
        ("other_editor", False),
        ("coordinator", False),
        ("board", False),
        ("inactive", False),
    ],
)
def test_who_may_edit_a_draft(world, role, allowed):
    entry = start(world)
    denial = access.edit_denial(getattr(world, role), entry)
    assert (denial is None) is allowed


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("editor", False), ("focal", True), ("other_editor", False), ("coordinator", False)],
)
def test_only_the_focal_point_submits(world, role, allowed):
    entry = start(world)
    edit(entry, world.editor, "<p>x</p>")
    if allowed:
        workflow.submit_entry(acting_user=getattr(world, role), entry=entry)
    else:
        with pytest.raises(PermissionDenied):
            workflow.submit_entry(acting_user=getattr(world, role), entry=entry)


@pytest.mark.parametrize("role", ["editor", "focal", "other_editor", "board", "inactive"])
def test_only_coordinators_return_or_approve(world, role):
    entry = submitted(world)
    user = getattr(world, role)
    with pytest.raises(PermissionDenied):
        workflow.return_entry(acting_user=user, entry=entry, comment="Nee")
    with pytest.raises(PermissionDenied):
        workflow.approve_entry(acting_user=user, entry=entry)


def test_approver_is_never_the_last_editor(world):
    from accounts.models import Membership

    # A coordinator who is also an editor of the ministry edits, then tries to approve.
    Membership.objects.create(
        user=world.coordinator, organisation=world.ministry, role="focal_point"
    )
    entry = start(world, world.coordinator)
    edit(entry, world.coordinator, "<p>Door de coördinator geschreven</p>")
    entry = workflow.submit_entry(acting_user=world.coordinator, entry=entry)
    with pytest.raises(PermissionDenied, match="four eyes"):
        workflow.approve_entry(acting_user=world.coordinator, entry=entry)
    workflow.approve_entry(acting_user=world.second_coordinator, entry=entry)


def test_empty_entry_cannot_be_submitted(world):
    entry = start(world)
    with pytest.raises(ValidationError):
        workflow.submit_entry(acting_user=world.focal, entry=entry)


def test_returning_needs_a_comment(world):
    entry = submitted(world)
    with pytest.raises(ValidationError):
        workflow.return_entry(acting_user=world.coordinator, entry=entry, comment=" ")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("submitted", "awaits the coordinator"),
        ("approved", "Approved entries are locked"),
        ("published", "Published entries are locked"),
        ("closed", "is closed, not open"),
        ("deadline", "closed for editing on"),
        ("other", "not to your organisation"),
    ],
)
def test_each_lock_reason_is_told(world, setup, message):
    entry = submitted(world)
    user = world.editor
    if setup == "approved":
        workflow.approve_entry(acting_user=world.coordinator, entry=entry)
    elif setup == "published":
        workflow.approve_entry(acting_user=world.coordinator, entry=entry)
        workflow.schedule_publication(acting_user=world.coordinator, round_=world.round)
    elif setup in ("closed", "deadline"):
        workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="Aanvullen")
        if setup == "closed":
            workflow.set_round_state(
                acting_user=world.coordinator, round_=world.round, state="closed"
            )
        else:
            world.round.deadline = timezone.localdate() - datetime.timedelta(days=1)
            world.round.save()
    elif setup == "other":
        user = world.other_editor
    entry = ProgressEntry.objects.get(pk=entry.pk)
    denial = access.edit_denial(user, entry)
    assert denial is not None and message in denial
    with pytest.raises(PermissionDenied, match=message):
        edit(entry, user, "<p>poging</p>")


def test_lock_exception_reopens_an_approved_entry_for_a_new_review(world):
    entry = submitted(world)
    entry = workflow.approve_entry(acting_user=world.coordinator, entry=entry)
    with pytest.raises(PermissionDenied):
        workflow.grant_lock_exception(
            acting_user=world.editor, entry=entry, reason="x", until=timezone.now()
        )
    workflow.grant_lock_exception(
        acting_user=world.coordinator,
        entry=entry,
        reason="Cijfer gecorrigeerd door de minister",
        until=timezone.now() + datetime.timedelta(days=2),
    )
    entry = edit(entry, world.editor, "<p>Gecorrigeerd</p>")
    assert entry.status == "draft"
    assert EntryTransition.objects.filter(
        entry=entry, from_status="approved", to_status="draft"
    ).exists()


def test_lock_exception_opens_a_closed_round_for_one_entry(world):
    entry = submitted(world)
    workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="Aanvullen")
    world.round.deadline = timezone.localdate() - datetime.timedelta(days=1)
    world.round.save()
    entry = ProgressEntry.objects.get(pk=entry.pk)
    assert access.edit_denial(world.editor, entry)
    workflow.grant_lock_exception(
        acting_user=world.coordinator,
        entry=entry,
        reason="Late input agreed",
        until=timezone.now() + datetime.timedelta(hours=4),
    )
    entry = ProgressEntry.objects.get(pk=entry.pk)
    assert access.edit_denial(world.editor, entry) is None


def test_second_save_on_a_stale_version_is_refused_and_shows_the_current_text(world):
    entry = start(world)
    opened_version = ProgressEntry.objects.get(pk=entry.pk).version
    edit(entry, world.editor, "<p>Eerste versie</p>", version=opened_version)
    with pytest.raises(workflow.EditConflict) as conflict:
        edit(entry, world.focal, "<p>Tweede versie</p>", version=opened_version)
    assert "Eerste versie" in conflict.value.current.narrative_nl
    assert ProgressEntry.objects.get(pk=entry.pk).narrative_nl == "<p>Eerste versie</p>"


def test_publication_can_wait_for_an_embargo(world):
    entry = submitted(world)
    workflow.approve_entry(acting_user=world.coordinator, entry=entry)
    later = timezone.now() + datetime.timedelta(days=3)
    workflow.schedule_publication(acting_user=world.coordinator, round_=world.round, at=later)
    assert ProgressEntry.objects.published().count() == 0

    assert workflow.publish_due_rounds(now=timezone.now()) == []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: later + datetime.timedelta(minutes=1))
        workflow.publish_due_rounds()
    assert ProgressEntry.objects.published().count() == 1


def test_history_keeps_every_change_with_its_author(world):
    entry = start(world)
    edit(entry, world.editor, "<p>Een</p>")
    edit(entry, world.focal, "<p>Twee</p>")
    records = list(entry.history.order_by("history_id"))
    assert [r.narrative_nl for r in records][-2:] == ["<p>Een</p>", "<p>Twee</p>"]
    assert [r.history_user for r in records][-2:] == [world.editor, world.focal]
    delta = records[-1].diff_against(records[-2])
    assert [change.field for change in delta.changes if change.field.startswith("narrative")] == [
        "narrative_nl"
    ]


def test_saving_checks_only_the_foreign_keys_an_edit_changed(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    entry = start(world)
    edit(entry, world.editor, "<p>Eerste</p>")
    entry = ProgressEntry.objects.get(pk=entry.pk)
    entry.narrative_nl = "<p>Tweede</p>"
    with CaptureQueriesContext(connection) as queries:
        workflow.save_entry(acting_user=world.editor, entry=entry, expected_version=entry.version)
    checked = [q["sql"] for q in queries if q["sql"].startswith("SELECT 1 AS")]
    assert checked == []  # the locked row has just shown that its relations exist
    # A changed one is still validated by full_clean.
    current = ProgressEntry.objects.get(pk=entry.pk)
    changed = ProgressEntry.objects.get(pk=entry.pk)
    changed.goal_id = 10**9
    skipped = workflow._unchanged_relations(changed, current)
    assert "goal" not in skipped and {"round", "organisation", "indicator"} <= set(skipped)
