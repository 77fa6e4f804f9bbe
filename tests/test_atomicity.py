"""Multi-step operations are all or nothing: a failure injected halfway (an inner call patched to
raise) leaves every table exactly as it was, checked by row counts and checksums."""

from __future__ import annotations

import datetime
import hashlib
from contextlib import contextmanager
from unittest import mock

import pytest
from django.apps import apps
from django.core import mail
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from exchange.plans import import_plan
from exchange.progress import import_progress
from reporting import services, workflow
from reporting.models import (
    CoverLetter,
    Example,
    LetterSignature,
    ProgressEntry,
    ProgressValue,
    Reference,
    ReportingRound,
)
from reports.models import ReportJob
from tests.adminforms import form_data
from tests.factories import CategoryFactory, IndicatorFactory, ResponsibilityFactory, UserFactory
from tests.roles import build_world
from tests.test_exchange_support import BELGIAN_PLAN, BELGIAN_PROGRESS, make_belgian_round

pytestmark = pytest.mark.django_db

APPS = ("accounts", "indicators", "reporting", "notifications", "reports", "exchange")


class Injected(Exception):
    """The failure a test injects."""


def snapshot() -> dict[str, tuple[int, str]]:
    """(row count, checksum of every column of every row) per table of the portal's apps,
    history tables included."""
    tables = {}
    for label in APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            columns = [field.attname for field in model._meta.concrete_fields]
            rows = list(model.objects.order_by("pk").values_list(*columns))
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()
            tables[model._meta.label] = (len(rows), digest)
    return tables


@contextmanager
def nothing_changes():
    before = snapshot()
    outbox = len(mail.outbox)
    yield
    after = snapshot()
    changed = {
        label: (before[label], after.get(label))
        for label in before
        if before[label] != after.get(label)
    }
    assert changed == {}
    assert len(mail.outbox) == outbox


def fail_on_call(target: str, call: int = 1):
    """Patch `target` so that its `call`-th call raises Injected; earlier calls run for real."""
    module_path, name = target.rsplit(".", 1)
    module = __import__(module_path, fromlist=[name])
    real = getattr(module, name)
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise Injected(target)
        return real(*args, **kwargs)

    return mock.patch(target, side_effect=wrapper, autospec=False)


def fail_on_save(model, call: int = 1):
    """Make the `call`-th save() of a `model` instance raise Injected."""
    real = model.save
    calls = []

    def save(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise Injected(model.__name__)
        return real(self, *args, **kwargs)

    return mock.patch.object(model, "save", save)


@pytest.fixture
def world():
    return build_world()


def entry_in(world, status=ProgressEntry.Status.DRAFT, indicator=None, organisation=None):
    indicator = indicator or world.indicator
    entry = workflow.start_entry(
        acting_user=world.editor,
        round_=world.round,
        organisation=organisation or world.ministry,
        goal=indicator.goal,
        indicator=indicator,
    )
    entry.narrative_nl = "<p>Voortgang</p>"
    entry = workflow.save_entry(acting_user=world.editor, entry=entry, expected_version=1)
    if status != ProgressEntry.Status.DRAFT:
        workflow.submit_entry(acting_user=world.focal, entry=entry)
    if status == ProgressEntry.Status.APPROVED:
        workflow.approve_entry(acting_user=world.coordinator, entry=entry)
    return ProgressEntry.objects.get(pk=entry.pk)


def test_the_snapshot_sees_a_change(world):
    entry = entry_in(world)
    with pytest.raises(AssertionError), nothing_changes():
        ProgressEntry.objects.filter(pk=entry.pk).update(narrative_en="<p>x</p>")


# --- saving an entry with its figures, examples and references (the workspace form) -----------


@pytest.mark.parametrize("fail", ["example", "reference"])
def test_saving_text_examples_and_references_is_all_or_nothing(client, world, fail):
    indicator = IndicatorFactory(goal=world.goal, kind="qualitative", code="1.q")
    ResponsibilityFactory(organisation=world.ministry, goal=world.goal, indicator=indicator)
    entry = entry_in(world, indicator=indicator)
    Example.objects.create(entry=entry, title_nl="Oud voorbeeld")
    url = reverse("workspace:reporting_progressentry_change", args=[entry.pk])
    client.force_login(world.editor)
    page = client.get(url)
    data = form_data(
        page,
        narrative_nl="<p>Nieuwe tekst</p>",
        **{
            "examples-0-title_nl": "Gewijzigd voorbeeld",
            "examples-1-title_nl": "Nieuw voorbeeld",
            "references-0-kind": "url",
            "references-0-url": "https://example.org/rapport",
            "references-0-title": "Rapport",
        },
    )
    injection = {
        "example": fail_on_save(Example, call=2),  # the second example
        "reference": fail_on_save(Reference),  # after the text and both examples
    }[fail]
    with nothing_changes(), injection, pytest.raises(Injected):
        client.post(url, data)
    # Without the failure the same post saves everything.
    response = client.post(url, data)
    assert response.status_code == 302
    assert Example.objects.filter(entry=entry).count() == 2
    assert Reference.objects.get(entry=entry).url == "https://example.org/rapport"


def test_saving_figures_and_references_is_all_or_nothing(client, world):
    indicator = IndicatorFactory(goal=world.goal, kind="count", code="1.c")
    CategoryFactory(indicator=indicator, code="w", position=0)
    ResponsibilityFactory(organisation=world.ministry, goal=world.goal, indicator=indicator)
    entry = entry_in(world, indicator=indicator)
    ProgressValue.objects.create(entry=entry, value=3)
    category = indicator.categories.get()
    url = reverse("workspace:reporting_progressentry_change", args=[entry.pk])
    client.force_login(world.editor)
    page = client.get(url)
    data = form_data(
        page,
        value_total="7",
        **{
            f"value_{category.pk}": "5",
            "references-0-kind": "document",
            "references-0-title": "Jaarverslag",
        },
    )
    with nothing_changes(), fail_on_save(Reference), pytest.raises(Injected):
        client.post(url, data)
    assert client.post(url, data).status_code == 302
    assert sorted(ProgressValue.objects.filter(entry=entry).values_list("value", flat=True)) == [
        5,
        7,
    ]


# --- workflow steps: entry, history, transition, comment, notification --------------------------


def test_approving_is_all_or_nothing(world):
    entry = entry_in(world, ProgressEntry.Status.SUBMITTED)
    for target in (
        "reporting.workflow._record",  # after the entry and its history record
        "notifications.services.notify_approved",  # after the transition
    ):
        with nothing_changes(), fail_on_call(target), pytest.raises(Injected):
            workflow.approve_entry(acting_user=world.coordinator, entry=entry)
    workflow.approve_entry(acting_user=world.coordinator, entry=entry)
    assert ProgressEntry.objects.get(pk=entry.pk).status == ProgressEntry.Status.APPROVED


def test_returning_is_all_or_nothing(world):
    entry = entry_in(world, ProgressEntry.Status.SUBMITTED)
    for target in ("reporting.workflow._record", "notifications.services.notify_returned"):
        with nothing_changes(), fail_on_call(target), pytest.raises(Injected):
            workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="Bron?")


def test_submitting_an_organisation_is_all_or_nothing(world):
    for n in range(3):
        indicator = IndicatorFactory(goal=world.goal, code=f"1.{n}")
        ResponsibilityFactory(organisation=world.ministry, goal=world.goal, indicator=indicator)
        entry_in(world, indicator=indicator)
    for target, call in (
        ("reporting.workflow._transition", 2),  # the second of three entries
        ("notifications.services.notify_submitted", 1),  # after all three
    ):
        with nothing_changes(), fail_on_call(target, call), pytest.raises(Injected):
            workflow.submit_organisation(
                acting_user=world.focal, round_=world.round, organisation=world.ministry
            )


@pytest.mark.parametrize(
    ("target", "call"),
    [
        ("reporting.workflow._transition", 2),  # halfway through the entries
        ("reports.services.queue_freeze", 1),  # entries and round done, the freeze job fails
        ("reports.services.enqueue", 1),  # the job row written, its task fails
    ],
)
def test_publishing_a_round_is_all_or_nothing(world, target, call):
    for n in range(3):
        indicator = IndicatorFactory(goal=world.goal, code=f"1.{n}")
        ResponsibilityFactory(organisation=world.ministry, goal=world.goal, indicator=indicator)
        entry_in(world, ProgressEntry.Status.APPROVED, indicator=indicator)
    with nothing_changes(), fail_on_call(target, call), pytest.raises(Injected):
        workflow.schedule_publication(acting_user=world.coordinator, round_=world.round)
    later = timezone.now() + datetime.timedelta(hours=1)
    workflow.schedule_publication(acting_user=world.coordinator, round_=world.round, at=later)
    # At the embargo, by the job: the same all or nothing.
    with nothing_changes(), fail_on_call(target, call), pytest.raises(Injected):
        workflow.publish_due_rounds(now=later + datetime.timedelta(minutes=1))
    workflow.publish_due_rounds(now=later + datetime.timedelta(minutes=1))
    assert ReportingRound.objects.get(pk=world.round.pk).state == ReportingRound.State.PUBLISHED
    assert ProgressEntry.objects.filter(status=ProgressEntry.Status.PUBLISHED).count() == 3
    assert ReportJob.objects.filter(kind=ReportJob.Kind.FREEZE).count() == 1


# --- imports and loaders -------------------------------------------------------------------------


@pytest.fixture
def belgian_round():
    assert import_plan(BELGIAN_PLAN.read_bytes(), BELGIAN_PLAN.name).problems == []
    return make_belgian_round(2017)


def test_importing_progress_is_all_or_nothing(belgian_round):
    content = BELGIAN_PROGRESS.read_bytes()
    # An unexpected error halfway (the fourth of seven entries): it propagates, nothing stays.
    with (
        nothing_changes(),
        fail_on_call("exchange.progress.upsert_entry", 4),
        pytest.raises(Injected),
    ):
        import_progress(content, BELGIAN_PROGRESS.name)
    # A database error on one row: reported against the row, and nothing stays either.
    with (
        nothing_changes(),
        mock.patch(
            "exchange.progress.upsert_entry",
            side_effect=_fail_fourth(DatabaseError("injected")),
        ),
    ):
        result = import_progress(content, BELGIAN_PROGRESS.name)
    assert result.problems
    # A value that fails halfway through one entry's values.
    with nothing_changes(), fail_on_save(ProgressValue, 3), pytest.raises(Injected):
        import_progress(content, BELGIAN_PROGRESS.name)
    assert import_progress(content, BELGIAN_PROGRESS.name).problems == []
    assert ProgressEntry.objects.filter(round=belgian_round).count() == 7
    # Importing changes over existing entries: all or nothing as well.
    changed = content.replace(b"41", b"42")
    assert changed != content
    with nothing_changes(), fail_on_save(ProgressValue, 1), pytest.raises(Injected):
        import_progress(changed, BELGIAN_PROGRESS.name)


def _fail_fourth(error):
    from exchange import progress

    real = progress.upsert_entry
    calls = []

    def upsert(**kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise error
        return real(**kwargs)

    return upsert


def _entry_arguments(world, **changes):
    return {
        "round_": world.round,
        "organisation": world.ministry,
        "goal": world.goal,
        "indicator": world.indicator,
        "narrative": {"nl": "<p>Tekst</p>"},
        "values": [{"value": 4}],
        "references": [{"kind": "document", "title": "Rapport"}],
        "examples": [{"title": {"nl": "Voorbeeld"}, "description": {"nl": "<p>B</p>"}}],
        **changes,
    }


@pytest.mark.parametrize(
    "fail",
    [
        lambda: fail_on_save(ProgressValue),
        lambda: fail_on_save(Reference),
        lambda: fail_on_save(Example),
        lambda: fail_on_call("reporting.services._sync_positions", 2),
    ],
    ids=["values", "references", "examples", "examples-sync"],
)
def test_upserting_an_entry_is_all_or_nothing(world, fail):
    entry = services.upsert_entry(**_entry_arguments(world))
    assert entry.version == 1
    changes = {
        "narrative": {"nl": "<p>Nieuw</p>"},
        "values": [{"value": 5}],
        "references": [{"kind": "document", "title": "Ander rapport"}],
        "examples": [{"title": {"nl": "Ander voorbeeld"}}],
    }
    with nothing_changes(), fail(), pytest.raises(Injected):
        services.upsert_entry(**_entry_arguments(world, **changes))
    # A new entry too: nothing of it stays.
    other = {"organisation": world.other}
    with nothing_changes(), fail(), pytest.raises(Injected):
        services.upsert_entry(**_entry_arguments(world, **other))


def test_upserting_a_letter_is_all_or_nothing(world):
    services.upsert_letter(
        round_=world.round,
        subject="Brief",
        body="<p>a</p>",
        signatures=[{"name": "A", "title": "Minister"}],
    )
    with nothing_changes(), fail_on_save(LetterSignature, 2), pytest.raises(Injected):
        services.upsert_letter(
            round_=world.round,
            subject="Nieuwe brief",
            body="<p>b</p>",
            signatures=[
                {"name": "B", "title": "Minister"},
                {"name": "C", "title": "Staatssecretaris"},
            ],
        )
    assert CoverLetter.objects.get().subject_nl == "Brief"


def test_admin_change_form_with_inlines_is_all_or_nothing(client, world):
    letter = CoverLetter.objects.create(round=world.round, subject_nl="Brief")
    LetterSignature.objects.create(letter=letter, title_nl="Minister", name="A")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = reverse("admin:reporting_coverletter_change", args=[letter.pk])
    page = client.get(url)
    data = form_data(page, subject_nl="Nieuwe brief", **{"signatures-0-name": "B"})
    with nothing_changes(), fail_on_save(LetterSignature), pytest.raises(Injected):
        client.post(url, data)
