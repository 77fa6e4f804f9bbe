"""The coordinators' report button: background job, progress, download; the same document as
the command line."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from reporting.models import ProgressEntry
from reports.models import ReportJob
from reports.services import run_pending_jobs
from tests.factories import EntryFactory
from tests.roles import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def worker_keeps_the_test_transaction(monkeypatch):
    """The database worker recycles connections between tasks (`close_old_connections`),
    which would close the test's transaction on PostgreSQL; in tests it keeps the connection."""
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )


@pytest.fixture
def world():
    world = build_world()
    EntryFactory(
        round=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
        status=ProgressEntry.Status.APPROVED,
        narrative_nl="<p>Goedgekeurde voortgang.</p>",
    )
    return world


def page_url(world):
    return reverse("reports:round", args=[world.plan.slug, world.round.year])


@pytest.mark.parametrize(
    "username", ["editor", "focal", "other_editor", "board", "inactive", "second_coordinator"]
)
def test_only_coordinators_see_the_report_page(client, world, username):
    user = getattr(world, username)
    client.force_login(user)
    response = client.get(page_url(world))
    if username == "second_coordinator":
        assert response.status_code == 200
    elif username == "inactive":
        assert response.status_code == 302  # to the log-in page
    else:
        assert response.status_code == 404
        assert client.post(page_url(world), {"format": "html"}).status_code == 404
    assert not ReportJob.objects.exists()


def test_button_queues_a_job_that_the_worker_renders_with_progress_and_download(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            page_url(world), {"format": "docx", "layout": "goal", "language": "nl"}
        )
    assert len(callbacks) == 1  # the worker's task, enqueued once the job is committed
    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    assert job.status == ReportJob.Status.QUEUED  # nothing rendered in the request
    waiting = client.get(response["Location"])
    assert b'http-equiv="refresh"' in waiting.content
    assert client.get(reverse("reports:job-download", args=[job.pk])).status_code == 404

    [done] = run_pending_jobs()
    assert done.status == ReportJob.Status.DONE and done.progress == 100
    ready = client.get(response["Location"])
    assert b'http-equiv="refresh"' not in ready.content
    download = client.get(reverse("reports:job-download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].endswith('.docx"')
    client.force_login(world.editor)
    assert client.get(reverse("reports:job-download", args=[job.pk])).status_code == 404
    assert client.get(reverse("reports:job", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_command_line_and_web_button_give_the_same_bytes(
    client, world, tmp_path, fmt, django_capture_on_commit_callbacks
):
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(world), {"format": fmt, "layout": "organisation", "language": "en"})
    [job] = run_pending_jobs()
    web = client.get(reverse("reports:job-download", args=[job.pk])).content
    output = tmp_path / f"report.{fmt}"
    call_command(
        "render_report",
        plan=world.plan.slug,
        year=2022,
        fmt=fmt,
        layout="organisation",
        language="en",
        output=output,
        stdout=open(tmp_path / "log", "w"),  # noqa: SIM115
    )
    assert output.read_bytes() == web


def test_command_line_and_web_button_give_the_same_pdf_text(
    client, world, tmp_path, django_capture_on_commit_callbacks
):
    import subprocess

    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(world), {"format": "pdf", "layout": "goal", "language": "nl"})
    [job] = run_pending_jobs()
    web = tmp_path / "web.pdf"
    web.write_bytes(client.get(reverse("reports:job-download", args=[job.pk])).content)
    cli = tmp_path / "cli.pdf"
    from django.core.cache import cache

    cache.clear()  # render afresh rather than reuse the web's document
    call_command(
        "render_report",
        "--plan", world.plan.slug, "--year", "2022", "--format", "pdf", "--layout", "goal",
        "--language", "nl", "--output", str(cli),
        stdout=open(tmp_path / "log", "w"),  # noqa: SIM115
    )  # fmt: skip

    def text(path):
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True).stdout

    assert text(cli) == text(web)
    assert b"Goedgekeurde voortgang." in text(cli)


def test_unchanged_report_comes_from_the_cache_and_a_change_renders_afresh(world):
    from reports.services import generate_report

    first = generate_report(plan=world.plan, year=2022, fmt="html", language="nl")
    again = generate_report(plan=world.plan, year=2022, fmt="html", language="nl")
    assert not first.cached and again.cached and again.content == first.content
    entry = ProgressEntry.objects.get()
    entry.narrative_nl = "<p>Gewijzigd.</p>"
    entry.save()
    changed = generate_report(plan=world.plan, year=2022, fmt="html", language="nl")
    assert not changed.cached and b"Gewijzigd." in changed.content


def test_render_report_refuses_an_unknown_plan_or_year(world, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command(
            "render_report", plan="nope", year=2022, fmt="html", output=tmp_path / "x.html"
        )
    with pytest.raises(CommandError):
        call_command(
            "render_report", plan=world.plan.slug, year=2019, fmt="html", output=tmp_path / "x"
        )


def test_an_unchanged_report_is_served_from_the_cache_without_building_it(world, monkeypatch):
    from reports import services

    first = services.generate_report(plan=world.plan, year=2022, fmt="html", language="nl")

    def refuse(**kwargs):
        raise AssertionError("build_report called for a cached report")

    monkeypatch.setattr(services, "build_report", refuse)
    again = services.generate_report(plan=world.plan, year=2022, fmt="html", language="nl")
    assert again.cached and again.content == first.content and again.filename == first.filename


def test_every_change_to_what_the_report_prints_changes_the_cache_key(world):
    from reporting.models import CoverLetter, Example, LetterSignature, PlanNarrative
    from reports.services import cache_key
    from tests.factories import CategoryFactory, ValueFactory

    def key(**choices):
        options = {"fmt": "pdf", "layout": "organisation", "language": "nl", **choices}
        return cache_key(plan=world.plan, year=2022, **options)

    entry = ProgressEntry.objects.get()
    letter = CoverLetter.objects.create(round=world.round, subject_nl="Voortgang")
    signature = LetterSignature.objects.create(letter=letter, title_nl="Minister", name="A")
    narrative = PlanNarrative.objects.create(plan=world.plan, kind="section", title_nl="Thema")
    value = ValueFactory(entry=entry, value=1)
    example = Example.objects.create(entry=entry, title_nl="Voorbeeld")

    def edits():
        entry.narrative_nl = "<p>Anders.</p>"
        yield entry.save
        value.value = 2
        yield value.save
        yield lambda: ValueFactory(entry=entry, category=CategoryFactory(indicator=world.indicator))
        example.title_nl = "Ander voorbeeld"
        yield example.save
        letter.body_nl = "<p>Nieuwe brief.</p>"
        yield letter.save
        signature.name = "B"
        yield signature.save
        narrative.body_nl = "<p>Thema.</p>"
        yield narrative.save
        world.goal.title_nl = "Nieuw doel"
        yield world.goal.save
        world.indicator.target = 99
        yield world.indicator.save
        world.ministry.name_nl = "Ministerie van Iets Anders"
        yield world.ministry.save
        yield value.delete

    seen = {key()}
    for edit in edits():
        edit()
        current = key()
        assert current not in seen, (len(seen), edit)
        seen.add(current)
    assert key() == key()  # nothing changed: the same key
    choices = {key(fmt="html"), key(language="fr"), key(draft=True), key(final=True), key()}
    assert len(choices) == 5


def test_a_job_runs_once_even_if_its_task_is_enqueued_twice(
    client, world, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from reports.tasks import run_report_job

    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(world), {"format": "html", "layout": "goal", "language": "nl"})
    job = ReportJob.objects.get()
    run_report_job.enqueue(job.pk)
    [done] = run_pending_jobs()
    assert done.pk == job.pk and done.status == ReportJob.Status.DONE
    results = sorted(DBTaskResult.objects.values_list("status", "return_value"))
    assert results == [("SUCCESSFUL", "done"), ("SUCCESSFUL", "skipped")]
    output = open("/dev/null", "w")  # noqa: SIM115
    call_command("run_report_jobs", stdout=output)  # nothing left: runs nothing
    assert ReportJob.objects.get().finished_at == done.finished_at
