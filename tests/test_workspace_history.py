"""Around an entry: last year's entry and copying its text, comments, submitting, the history
and the diff between the submitted and approved versions."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reporting import workflow
from reporting.models import EntryComment, ProgressEntry, ProgressValue
from tests.factories import CategoryFactory, RoundFactory
from tests.roles import build_world
from tests.test_workspace_entry import errors_of, form_data
from workspace.services import copy_previous_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def url(entry, view="change"):
    return reverse(f"workspace:reporting_progressentry_{view}", args=[entry.pk])


def start(world, user=None):
    return workflow.start_entry(
        acting_user=user or world.editor,
        round_=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
    )


def edit(entry, user, **fields):
    entry = ProgressEntry.objects.get(pk=entry.pk)
    for name, value in fields.items():
        setattr(entry, name, value)
    return workflow.save_entry(acting_user=user, entry=entry, expected_version=entry.version)


def last_year(world, **fields):
    round_2021 = RoundFactory(plan=world.plan, year=2021, state="published")
    return ProgressEntry.objects.create(
        round=round_2021,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
        status="published",
        **fields,
    )


# --- last year -----------------------------------------------------------------------------


def test_last_years_entry_is_shown_beside_the_form_with_its_values(client, world):
    category = CategoryFactory(indicator=world.indicator, label_nl="Lokale vredesgesprekken")
    previous = last_year(world, narrative_nl="<p>Vorig jaar: <em>zes</em> missies</p>")
    ProgressValue.objects.create(entry=previous, category=category, value=6)
    ProgressValue.objects.create(entry=previous, value=6)
    # not last year's: another organisation's
    ProgressEntry.objects.create(
        round=previous.round,
        organisation=world.other,
        goal=world.goal,
        indicator=world.indicator,
        narrative_nl="<p>Van een ander</p>",
    )
    entry = start(world)
    client.force_login(world.editor)

    response = client.get(url(entry))

    assert response.context["previous"] == previous
    content = response.content.decode()
    assert "Vorig jaar: <em>zes</em> missies" in content
    assert "Lokale vredesgesprekken" in content
    assert [(label, value) for label, value in response.context["previous_content"].values] == [
        ("Lokale vredesgesprekken", 6),
        ("Total", 6),
    ]
    assert "Van een ander" not in content
    assert 'name="copy_previous"' in content and "Copy last year's text as a start" in content


def test_without_last_year_there_is_nothing_to_copy(client, world):
    entry = start(world)
    client.force_login(world.editor)
    response = client.get(url(entry))
    assert response.context["previous"] is None
    assert "copy-last-year" not in response.content.decode()


def test_copy_last_years_text_fills_the_draft_through_the_workflow(client, world):
    last_year(world, narrative_nl="<p>Tekst 2021</p>", narrative_en="<p>Text 2021</p>")
    entry = start(world)
    edit(entry, world.editor, narrative_en="<p>Already written in 2022</p>")
    client.force_login(world.editor)

    response = client.post(url(entry, "copy_previous"), {"expected_version": 2}, follow=True)

    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.narrative_nl == "<p>Tekst 2021</p>"
    assert entry.narrative_en == "<p>Already written in 2022</p>"  # never overwritten
    assert entry.version == 3
    assert entry.history.order_by("-history_id").first().history_user == world.editor
    assert "was copied into" in response.content.decode()
    # The form now shows it, ready to be adapted.
    assert response.context["adminform"].form["narrative_nl"].value() == "<p>Tekst 2021</p>"

    # Again: nothing left to fill.
    response = client.post(url(entry, "copy_previous"), {"expected_version": 3}, follow=True)
    assert "Nothing was copied" in response.content.decode()
    entry.refresh_from_db()
    assert entry.version == 3


def test_copy_on_a_stale_version_is_refused(client, world):
    last_year(world, narrative_nl="<p>Tekst 2021</p>")
    entry = start(world)
    edit(entry, world.focal, narrative_en="<p>Saved meanwhile</p>")
    with pytest.raises(workflow.EditConflict):
        copy_previous_text(acting_user=world.editor, entry=entry, expected_version=1)
    client.force_login(world.editor)
    response = client.post(url(entry, "copy_previous"), {"expected_version": 1}, follow=True)
    assert "Someone else saved this entry" in response.content.decode()
    entry.refresh_from_db()
    assert not entry.narrative_nl


def test_copy_is_a_post_and_refused_on_a_locked_entry(client, world):
    last_year(world, narrative_nl="<p>Tekst 2021</p>")
    entry = start(world)
    edit(entry, world.editor, narrative_en="<p>Done</p>")
    workflow.submit_entry(acting_user=world.focal, entry=entry)
    client.force_login(world.editor)
    assert client.get(url(entry, "copy_previous")).status_code == 405
    response = client.post(url(entry, "copy_previous"), {"expected_version": 3}, follow=True)
    assert "awaits the coordinator" in response.content.decode()
    entry.refresh_from_db()
    assert not entry.narrative_nl


# --- comments ------------------------------------------------------------------------------


def test_comments_are_listed_and_added_through_the_workflow(client, world):
    entry = start(world)
    EntryComment.objects.create(entry=entry, author=world.coordinator, text="Graag een bron.")
    client.force_login(world.editor)
    response = client.get(url(entry))
    assert "Graag een bron." in response.content.decode()

    response = client.post(url(entry, "comment"), {"text": "Bron toegevoegd."}, follow=True)

    assert response.status_code == 200
    comment = entry.comments.latest("created_at")
    assert (comment.author, comment.text) == (world.editor, "Bron toegevoegd.")
    content = response.content.decode()
    assert content.index("Graag een bron.") < content.index("Bron toegevoegd.")


def test_an_empty_comment_is_refused(client, world):
    entry = start(world)
    client.force_login(world.editor)
    response = client.post(url(entry, "comment"), {"text": "   "}, follow=True)
    assert "Write a comment first" in response.content.decode()
    assert not entry.comments.exists()
    assert client.get(url(entry, "comment")).status_code == 405


# --- submitting from the entry page --------------------------------------------------------


def test_the_focal_point_submits_the_entry_from_its_page(client, world):
    entry = start(world)
    edit(entry, world.editor, narrative_nl="<p>Klaar</p>")
    client.force_login(world.focal)
    page = client.get(url(entry))
    assert 'name="submit_entry"' in page.content.decode()

    response = client.post(url(entry, "submit"), follow=True)

    entry.refresh_from_db()
    assert entry.status == "submitted" and entry.submitted_by == world.focal
    content = response.content.decode()
    assert "Submitted to the coordinator." in content
    assert "awaits the coordinator" in content  # now read-only, and says why
    assert 'name="submit_entry"' not in content
    assert "Only draft or returned entries can be submitted." in content


def test_an_editor_sees_why_they_cannot_submit_and_is_refused(client, world):
    entry = start(world)
    edit(entry, world.editor, narrative_nl="<p>Klaar</p>")
    client.force_login(world.editor)
    page = client.get(url(entry))
    content = page.content.decode()
    assert 'name="submit_entry"' not in content
    assert "focal point can submit entries" in content
    response = client.post(url(entry, "submit"), follow=True)
    assert "focal point can submit entries" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == "draft"


def test_an_empty_entry_is_not_submitted(client, world):
    entry = start(world)
    client.force_login(world.focal)
    response = client.post(url(entry, "submit"), follow=True)
    assert "mark the entry as nothing to report" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == "draft"


# --- transitions, history and the diff -----------------------------------------------------


def approved_then_changed(world):
    """Submitted and approved with one text, then changed under a lock exception and
    submitted again."""
    entry = start(world)
    edit(entry, world.editor, narrative_nl="<p>Eerste tekst</p>")
    ProgressValue.objects.create(entry=entry, value=5)
    workflow.submit_entry(acting_user=world.focal, entry=entry)
    entry = workflow.approve_entry(acting_user=world.coordinator, entry=entry)
    workflow.grant_lock_exception(
        acting_user=world.coordinator,
        entry=entry,
        reason="Correctie",
        until=timezone.now() + datetime.timedelta(days=1),
    )
    return entry


def test_the_diff_shows_old_and_new_per_field_between_approved_and_submitted(client, world):
    entry = approved_then_changed(world)
    client.force_login(world.editor)
    page = client.get(url(entry))
    response = client.post(
        url(entry), form_data(page, narrative_nl="<p>Gecorrigeerde tekst</p>", value_total="6")
    )
    assert response.status_code == 302, errors_of(response)
    workflow.submit_entry(acting_user=world.focal, entry=entry)

    response = client.get(url(entry, "compare"))

    assert response.status_code == 200
    diff = response.context["diff"]
    assert diff.old.status == "approved" and diff.new.status == "submitted"
    changes = {change.name: (change.old, change.new) for change in diff.changes}
    assert changes["narrative_nl"] == ("<p>Eerste tekst</p>", "<p>Gecorrigeerde tekst</p>")
    assert "version" not in changes
    assert [(old, new) for _label, old, new in diff.value_changes] == [(5, 6)]
    content = response.content.decode()
    assert "Eerste tekst" in content and "Gecorrigeerde tekst" in content
    assert "→" in content


def test_the_diff_can_compare_any_two_steps(client, world):
    entry = start(world)
    edit(entry, world.editor, narrative_nl="<p>Een</p>")
    workflow.submit_entry(acting_user=world.focal, entry=entry)
    workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="Meer graag")
    edit(entry, world.editor, narrative_nl="<p>Twee</p>")
    workflow.submit_entry(acting_user=world.focal, entry=entry)
    client.force_login(world.editor)

    response = client.get(url(entry, "compare"))  # the two submissions

    changes = {c.name: (c.old, c.new) for c in response.context["diff"].changes}
    assert changes["narrative_nl"] == ("<p>Een</p>", "<p>Twee</p>")
    first_step = next(v.history_id for v in response.context["versions"] if v.status == "draft")
    response = client.get(
        url(entry, "compare"), {"old": first_step, "new": response.context["new_id"]}
    )
    changes = {c.name: (c.old, c.new) for c in response.context["diff"].changes}
    assert changes["narrative_nl"] == ("", "<p>Twee</p>")
    assert client.get(url(entry, "compare"), {"old": 999999, "new": 1}).status_code == 404


def test_the_diff_page_of_a_draft_says_there_is_nothing_to_compare(client, world):
    entry = start(world)
    client.force_login(world.editor)
    response = client.get(url(entry, "compare"))
    assert response.status_code == 200 and response.context["diff"] is None
    assert "not been submitted yet" in response.content.decode()


def test_the_page_lists_the_workflow_steps(client, world):
    entry = start(world)
    edit(entry, world.editor, narrative_nl="<p>Een</p>")
    workflow.submit_entry(acting_user=world.focal, entry=entry)
    workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="Bron ontbreekt")
    client.force_login(world.editor)
    response = client.get(url(entry))
    steps = response.context["transitions"]
    assert [(s.from_status, s.to_status) for s in steps] == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "returned"),
    ]
    content = response.content.decode()
    assert "Bron ontbreekt" in content and "coordinator" in content


def test_the_history_page_lists_every_version_without_reverting(client, world):
    entry = start(world)
    edit(entry, world.editor, narrative_nl="<p>Een</p>")
    edit(entry, world.focal, narrative_nl="<p>Twee</p>")
    client.force_login(world.editor)

    response = client.get(url(entry, "history"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "focal" in content and "editor" in content
    assert "Twee" in content
    record = entry.history.first()
    revert = reverse(
        "workspace:reporting_progressentry_simple_history", args=[entry.pk, record.history_id]
    )
    assert revert not in content
    assert client.get(revert).status_code == 404
    assert client.post(revert, {"narrative_nl": "<p>Terug</p>"}).status_code == 404
    entry.refresh_from_db()
    assert entry.narrative_nl == "<p>Twee</p>"
