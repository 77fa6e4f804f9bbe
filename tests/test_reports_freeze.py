"""Published reports are frozen: stored with their hash, unchanged by later edits; a
correction is a new version next to the old one."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reporting.models import ProgressEntry
from reports.models import PublishedReport
from reports.services import freeze_report
from tests.factories import EntryFactory
from tests.roles import build_world

pytestmark = pytest.mark.django_db
FAST = ("html", "docx")


@pytest.fixture(autouse=True)
def worker_keeps_the_test_transaction(monkeypatch):
    """The database worker recycles connections between tasks (`close_old_connections`),
    which would close the test's transaction on PostgreSQL; in tests it keeps the connection."""
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )


@pytest.fixture
def published():
    world = build_world(state="published")
    entry = EntryFactory(
        round=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
        status=ProgressEntry.Status.PUBLISHED,
        narrative_nl="<p>Zoals gepubliceerd.</p>",
    )
    return world, entry


def test_freezing_stores_each_document_with_its_sha256(published):
    world, _entry = published
    stored = freeze_report(world.round, formats=FAST)
    assert {(d.format, d.layout, d.language, d.version) for d in stored} == {
        ("html", "organisation", "nl", 1),
        ("docx", "organisation", "nl", 1),
    }
    for document in stored:
        assert document.sha256 == hashlib.sha256(bytes(document.content)).hexdigest()
    html = PublishedReport.objects.get(format="html")
    assert b"Zoals gepubliceerd." in bytes(html.content)


def test_later_edits_do_not_change_the_published_report(published):
    world, entry = published
    [before] = freeze_report(world.round, formats=("html",))
    ProgressEntry.objects.filter(pk=entry.pk).update(narrative_nl="<p>Later gewijzigd.</p>")
    [again] = freeze_report(world.round, formats=("html",))
    assert again.pk == before.pk
    stored = PublishedReport.objects.get(pk=before.pk)
    assert b"Zoals gepubliceerd." in bytes(stored.content)
    assert b"Later gewijzigd." not in bytes(stored.content)


def test_a_published_report_cannot_be_edited_or_deleted(published):
    world, _entry = published
    [document] = freeze_report(world.round, formats=("html",))
    document.note = "changed"
    with pytest.raises(TypeError):
        document.save()
    with pytest.raises(TypeError):
        PublishedReport.objects.filter(pk=document.pk).update(note="changed")
    with pytest.raises(TypeError):
        PublishedReport.objects.filter(pk=document.pk).delete()
    with pytest.raises(TypeError):
        document.delete()


def test_a_correction_is_a_new_version_and_both_stay_available(client, published):
    world, entry = published
    [first] = freeze_report(world.round, formats=("html",))
    ProgressEntry.objects.filter(pk=entry.pk).update(narrative_nl="<p>Gecorrigeerd.</p>")
    with pytest.raises(ValidationError):
        freeze_report(world.round, formats=("html",), correction=True)
    [second] = freeze_report(
        world.round, formats=("html",), correction=True, note="Typo", actor=world.coordinator
    )
    assert (first.version, second.version) == (1, 2)
    assert first.sha256 != second.sha256
    for document, text in ((first, b"Zoals gepubliceerd."), (second, b"Gecorrigeerd.")):
        response = client.get(reverse("reports:published-download", args=[document.pk]))
        assert response.status_code == 200
        assert text in response.content
    client.force_login(world.coordinator)
    page = client.get(reverse("reports:round", args=[world.plan.slug, world.round.year]))
    assert first.filename.encode() in page.content and second.filename.encode() in page.content


def test_only_a_published_round_is_frozen():
    world = build_world()
    with pytest.raises(ValidationError):
        freeze_report(world.round, formats=("html",))
    assert not PublishedReport.objects.exists()


# -- publication queues the freeze; the worker stores the documents -----------------------------


@pytest.fixture
def approved():
    world = build_world()
    entry = EntryFactory(
        round=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
        status=ProgressEntry.Status.APPROVED,
        narrative_nl="<p>Zoals gepubliceerd.</p>",
    )
    return world, entry


def test_publishing_queues_one_freeze_job_and_renders_nothing_in_the_request(
    approved, django_capture_on_commit_callbacks, monkeypatch
):
    from django_tasks_db.models import DBTaskResult

    from reporting.workflow import publish_round
    from reports import services
    from reports.models import ReportJob

    world, _entry = approved
    monkeypatch.setattr(services, "generate_report", None)  # rendering here would fail
    with django_capture_on_commit_callbacks(execute=True):
        publish_round(round_=world.round, actor=world.coordinator)
    [job] = ReportJob.objects.all()
    assert (job.kind, job.status, job.requested_by) == ("freeze", "queued", world.coordinator)
    assert not PublishedReport.objects.exists()
    # The worker's task was enqueued on commit: django-tasks' database backend holds it.
    [task] = DBTaskResult.objects.all()
    assert (task.status, task.task_path, task.args_kwargs["args"]) == (
        "READY",
        "reports.tasks.run_report_job",
        [job.pk],
    )


def test_the_worker_freezes_pdf_docx_and_html_once_and_a_correction_is_explicit(
    approved, django_capture_on_commit_callbacks
):
    from reporting.workflow import publish_round
    from reports.models import ReportJob
    from reports.services import queue_freeze, run_pending_jobs
    from reports.tasks import run_report_job as run_report_job_task

    world, entry = approved
    with django_capture_on_commit_callbacks(execute=True):
        publish_round(round_=world.round, actor=world.coordinator)
    [job] = run_pending_jobs()
    assert job.status == "done", job.error
    stored = {d.format: d for d in PublishedReport.objects.all()}
    assert set(stored) == {"pdf", "docx", "html"}
    for document in stored.values():
        assert (document.version, document.layout, document.language) == (1, "organisation", "nl")
        assert document.sha256 == hashlib.sha256(bytes(document.content)).hexdigest()
        assert document.created_by == world.coordinator
    assert b"Zoals gepubliceerd." in bytes(stored["html"].content)

    # Later edits, and the worker running again, leave the stored bytes alone.
    entry.refresh_from_db()
    entry.narrative_nl = "<p>Later gewijzigd.</p>"
    entry.save()
    assert queue_freeze(round_=world.round) is None  # already stored: nothing to queue
    again = ReportJob.objects.create(
        kind="freeze", round=world.round, format="pdf", layout="organisation", language="nl"
    )
    run_report_job_task.enqueue(again.pk)
    [again] = run_pending_jobs()
    assert again.status == "done"
    assert PublishedReport.objects.count() == 3
    for document in PublishedReport.objects.all():
        assert bytes(document.content) == bytes(stored[document.format].content)
        assert document.sha256 == stored[document.format].sha256

    # Only an explicit correction issues a new version.
    [corrected] = freeze_report(world.round, formats=("html",), correction=True, note="Typo")
    assert corrected.version == 2 and b"Later gewijzigd." in bytes(corrected.content)
    assert PublishedReport.objects.filter(version=1).count() == 3
