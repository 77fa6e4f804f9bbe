"""An entry's versions (one per workflow step, and the current one), the comparisons suggested
between them, and what changed between two versions: `reporting.history`, shared by the
reporters' compare page and the coordinators' diff page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reporting import history, workflow
from reporting.models import Example, ProgressEntry, ProgressValue, Reference
from tests.factories import CategoryFactory
from tests.roles import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def start(world):
    return workflow.start_entry(
        acting_user=world.editor,
        round_=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
    )


def edit(entry, user, save_related=None, **fields):
    entry = ProgressEntry.objects.get(pk=entry.pk)
    for name, value in fields.items():
        setattr(entry, name, value)
    return workflow.save_entry(
        acting_user=user, entry=entry, expected_version=entry.version, save_related=save_related
    )


def submit(world, entry):
    return workflow.submit_entry(acting_user=world.focal, entry=entry)


def approve(world, entry):
    return workflow.approve_entry(acting_user=world.coordinator, entry=entry)


def reopen(world, entry):
    return workflow.grant_lock_exception(
        acting_user=world.coordinator,
        entry=entry,
        reason="Correctie",
        until=timezone.now() + datetime.timedelta(days=1),
    )


def load(entry):
    """The entry as the compare and diff pages read it."""
    return (
        ProgressEntry.objects.select_related("round__plan", "indicator")
        .prefetch_related(history.TRANSITIONS, "indicator__categories")
        .get(pk=entry.pk)
    )


def by_status(versions):
    return [(version.status, version.is_current) for version in versions]


def pairs_of(versions):
    return [
        (label, old.status, new.status) for label, old, new in history.suggested_pairs(versions)
    ]


# --- versions --------------------------------------------------------------------------------


def test_versions_are_the_workflow_steps_oldest_first_and_the_current_one_on_request(world):
    entry = start(world)
    edit(entry, world.editor, narrative_nl="<p>Een</p>")
    submit(world, entry)
    workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="Bron ontbreekt")
    edit(entry, world.editor, narrative_nl="<p>Twee</p>")
    entry = load(entry)

    steps = history.versions(entry)
    with_current = history.versions(entry, current=True)

    assert by_status(steps) == [("draft", False), ("submitted", False), ("returned", False)]
    assert [v.history_id for v in steps] == [t.history_id for t in entry.transitions.all()]
    assert by_status(with_current)[-1] == ("returned", True)
    current = with_current[-1]
    assert current.history_id == entry.history.latest("history_id").history_id
    assert current.actor == world.editor and current.label == "The current version"
    assert steps[1].label == "Submitted" and steps[1].actor == world.focal


def test_no_current_version_is_added_when_the_last_save_was_a_workflow_step(world):
    entry = start(world)
    edit(entry, world.editor, narrative_nl="<p>Een</p>")
    submit(world, entry)
    assert by_status(history.versions(load(entry), current=True)) == [
        ("draft", False),
        ("submitted", False),
    ]


# --- suggested comparisons -------------------------------------------------------------------


def test_after_a_correction_the_approved_version_is_compared_with_the_resubmission(world):
    entry = start(world)
    edit(entry, world.editor, narrative_nl="<p>Een</p>")
    reopen(world, approve(world, submit(world, entry)))
    edit(entry, world.editor, narrative_nl="<p>Twee</p>")
    submit(world, entry)
    versions = history.versions(load(entry), current=True)

    assert pairs_of(versions) == [
        ("Changes since the approved version", "approved", "submitted"),
        ("Changes since the previous submission", "submitted", "submitted"),
    ]
    old_id, new_id = history.default_pair(versions)
    assert (old_id, new_id) == (versions[2].history_id, versions[-1].history_id)


def test_an_approved_entry_suggests_its_submitted_and_approved_versions(world):
    entry = start(world)
    edit(entry, world.editor, narrative_nl="<p>Een</p>")
    approve(world, submit(world, entry))
    assert pairs_of(history.versions(load(entry))) == [
        ("Submitted and approved version", "submitted", "approved"),
    ]


def test_changes_after_the_last_submission_are_compared_with_it(world):
    entry = start(world)
    edit(entry, world.editor, narrative_nl="<p>Een</p>")
    submit(world, entry)
    workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="Meer graag")
    edit(entry, world.editor, narrative_nl="<p>Twee</p>")
    entry = load(entry)

    assert pairs_of(history.versions(entry, current=True)) == [
        ("Changes since the previous submission", "submitted", "returned"),
    ]
    # Without the current version (the coordinators' page): the last two steps.
    steps = history.versions(entry)
    assert pairs_of(steps) == []
    assert history.default_pair(steps) == (steps[-2].history_id, steps[-1].history_id)


def test_a_fresh_draft_has_nothing_to_compare(world):
    entry = start(world)
    edit(entry, world.editor, narrative_nl="<p>Een</p>")
    versions = history.versions(load(entry), current=True)
    assert history.default_pair(versions) == (None, None)
    assert history.chosen_pair(versions, {}) == (None, None)
    assert history.chosen_pair(versions, {"old": "1", "new": "2"}) == (1, 2)
    with pytest.raises(ValueError):
        history.chosen_pair(versions, {"old": "x"})


# --- comparing two versions ------------------------------------------------------------------


def test_narratives_are_compared_per_language_word_by_word_with_readable_labels(world):
    entry = start(world)
    edit(entry, world.editor, narrative_nl="<p>Er zijn 10 vrouwen benoemd.</p><p>Meer volgt</p>")
    submit(world, entry)
    workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="Engels graag")
    edit(
        entry,
        world.editor,
        narrative_nl="<p>Er zijn 12 vrouwen benoemd.</p><p>Meer volgt</p>",
        narrative_en="<p>Twelve women &amp; men</p>",
        currency="",
    )
    submit(world, entry)
    entry = load(entry)
    versions = history.versions(entry)
    old_id, new_id = history.default_pair(versions)

    comparison = history.compare(entry, versions, old_id, new_id)

    assert [change.name for change in comparison.changes] == ["narrative_nl", "narrative_en"]
    dutch, english = comparison.changes
    assert (dutch.label, english.label) == ("Progress (Dutch)", "Progress (English)")
    assert dutch.is_html and dutch.old == "<p>Er zijn 10 vrouwen benoemd.</p><p>Meer volgt</p>"
    assert dutch.segments == [
        ("equal", "Er zijn"),
        ("delete", "10"),
        ("insert", "12"),
        ("equal", "vrouwen benoemd. Meer volgt"),  # paragraphs stay apart
    ]
    assert english.segments == [("insert", "Twelve women & men")]
    assert not comparison.unchanged


def test_not_reported_and_its_reasons_are_compared_as_the_reader_says_them(world):
    entry = start(world)
    edit(entry, world.editor, narrative_nl="<p>Een</p>")
    submit(world, entry)
    workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="Geen data?")
    edit(
        entry,
        world.editor,
        not_reported="no_data_available",
        not_reported_reason_fr="Pas de données",
    )
    entry = load(entry)
    versions = history.versions(entry, current=True)

    comparison = history.compare(entry, versions, *history.default_pair(versions))

    changes = {change.name: change for change in comparison.changes}
    assert set(changes) == {"not_reported", "not_reported_reason_fr"}
    assert (changes["not_reported"].old, changes["not_reported"].new) == ("", "No data available")
    assert changes["not_reported"].label == "Not reported"
    assert changes["not_reported_reason_fr"].label == "Reason (French)"
    assert not changes["not_reported_reason_fr"].is_html


def test_values_are_compared_per_category_in_their_order_and_the_total_last(world):
    second = CategoryFactory(indicator=world.indicator, position=2, label_nl="Tweede")
    first = CategoryFactory(indicator=world.indicator, position=1, label_nl="Eerste")
    entry = start(world)

    def figures(values):
        def save(saved):
            for category, value in values.items():
                ProgressValue.objects.update_or_create(
                    entry=saved, category=category, defaults={"value": value}
                )

        return save

    edit(entry, world.editor, figures({None: 5, first: 2, second: 3}), narrative_nl="<p>x</p>")
    submit(world, entry)
    workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="Klopt niet")
    ProgressValue.objects.filter(entry=entry, category=second).delete()
    edit(entry, world.editor, figures({None: 6, first: 2.5}))
    entry = load(entry)
    versions = history.versions(entry, current=True)

    comparison = history.compare(entry, versions, *history.default_pair(versions))

    assert comparison.value_changes == [
        ("Eerste", 2, 2.5),
        ("Tweede", 3, None),
        ("Total", 5, 6),
    ]
    assert comparison.changes == []


def test_references_and_examples_are_read_as_they_stood_at_each_version(world):
    entry = start(world)

    def sources(saved):
        Reference.objects.create(entry=saved, kind="document", title="Jaarverslag")
        Reference.objects.create(entry=saved, kind="url", url="https://example.org/a")
        Example.objects.create(entry=saved, title_nl="Training", partner="UN Women")

    edit(entry, world.editor, sources, narrative_nl="<p>Een</p>")
    submit(world, entry)
    workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="Bron?")

    def change_sources(saved):
        Reference.objects.filter(entry=saved, kind="url").delete()
        Reference.objects.create(
            entry=saved, kind="parliamentary_paper", citation="26 150, nr. 190"
        )
        example = Example.objects.get(entry=saved)
        example.title_nl = "Training vredesmissie"
        example.save()

    # Saved after the entry in the same save: they belong to that version all the same.
    edit(entry, world.editor, change_sources, narrative_nl="<p>Twee</p>")
    edit(entry, world.editor, narrative_nl="<p>Drie</p>")  # a later version
    entry = load(entry)
    versions = history.versions(entry, current=True)
    submitted = next(v for v in versions if v.status == "submitted")
    returned_edit = entry.history.filter(narrative_nl="<p>Twee</p>").get()
    versions.insert(-1, history.Version(history_id=returned_edit.history_id, record=returned_edit))

    comparison = history.compare(entry, versions, submitted.history_id, returned_edit.history_id)

    references, examples = comparison.list_changes
    assert references.label == "References"
    assert references.removed == ["Web page: https://example.org/a"]
    assert references.added == ["Parliamentary paper: 26 150, nr. 190"]
    assert examples.label == "Examples"
    assert examples.removed == ["[NL] Training; UN Women"]
    assert examples.added == ["[NL] Training vredesmissie; UN Women"]


def test_the_older_version_comes_first_and_other_ids_are_refused(world):
    entry = start(world)
    edit(entry, world.editor, narrative_nl="<p>Een</p>")
    submit(world, entry)
    other = workflow.start_entry(
        acting_user=world.other_editor,
        round_=world.round,
        organisation=world.other,
        goal=world.goal,
        indicator=world.indicator,
    )
    entry = load(entry)
    versions = history.versions(entry)
    draft, submitted = versions

    comparison = history.compare(entry, versions, submitted.history_id, draft.history_id)

    assert (comparison.old.status, comparison.new.status) == ("draft", "submitted")
    assert [(c.old, c.new) for c in comparison.changes] == [("", "<p>Een</p>")]
    same = history.compare(entry, versions, draft.history_id, draft.history_id)
    assert same.unchanged
    assert history.compare(entry, versions, draft.history_id, 999999) is None
    other_id = other.history.latest("history_id").history_id
    assert history.compare(entry, versions, draft.history_id, other_id) is None
    # Only the versions offered: an intermediate save is no version of the coordinators' page.
    intermediate = entry.history.filter(narrative_nl="<p>Een</p>", status="draft").get()
    assert history.compare(entry, versions, draft.history_id, intermediate.history_id) is None


def test_a_comparison_reads_a_fixed_number_of_queries(world):
    categories = [CategoryFactory(indicator=world.indicator) for _n in range(10)]
    entry = start(world)
    edit(entry, world.editor, narrative_nl="<p>Een</p>")
    submit(world, entry)
    workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="Meer")

    def count(rows):
        def save(saved):
            for n in range(rows):
                ProgressValue.objects.update_or_create(
                    entry=saved, category=categories[n], defaults={"value": n + 1}
                )
                Reference.objects.create(entry=saved, kind="document", title=f"Stuk {n}")
                Example.objects.create(entry=saved, title_nl=f"Voorbeeld {n}")

        return save

    def queries(rows):
        edit(entry, world.editor, count(rows), narrative_nl=f"<p>{rows}</p>")
        loaded = load(entry)
        versions = history.versions(loaded, current=True)
        with CaptureQueriesContext(connection) as captured:
            comparison = history.compare(loaded, versions, *history.default_pair(versions))
        assert comparison.list_changes
        return len(captured)

    # The two records; the values, references and examples as of both.
    assert queries(1) == queries(10) == 4
