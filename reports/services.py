"""Generating reports: one path for the command line, the web button and publication.

`generate_report` builds the context and renders it, serving unchanged reports from the cache;
`request_report` / `queue_freeze` record a `ReportJob` and, once the transaction commits,
enqueue the django-tasks task `reports.tasks.run_report_job`, which the database worker
(`manage.py db_worker`) runs; `freeze_report` stores the published documents for good.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.models import (
    DisaggregationCategory,
    Goal,
    Indicator,
    Organisation,
    Plan,
    PlanOrganisation,
    Responsibility,
    Subgoal,
)
from reporting import access
from reporting.models import (
    CoverLetter,
    Example,
    LetterSignature,
    PlanNarrative,
    ProgressEntry,
    ProgressValue,
    Reference,
    ReportingRound,
)

from .context import LAYOUTS, build_report, filename_stem
from .models import Format, PublishedReport, ReportJob
from .render import CONTENT_TYPES, FORMATS, render, render_pdf, renderer_version

logger = logging.getLogger(__name__)
CACHE_SECONDS = 7 * 24 * 3600


@dataclass
class GeneratedDocument:
    filename: str
    content_type: str
    content: bytes
    fingerprint: str
    cached: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _rows(queryset) -> list[tuple]:
    """Every column of every row, each language's column by its own name (modeltranslation
    would read a translated field in the current language only)."""
    names = [f.attname for f in queryset.model._meta.concrete_fields]
    # Straight from the cursor: the model iterators cost more than the query at 10x the data.
    sql, params = queryset.order_by("pk").values_list(*names).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def report_state(*, plan: Plan, year: int) -> str:
    """A digest of everything a report of `plan` up to `year` prints, read with a few small
    queries instead of building the report: entries by count, newest `updated_at` and version
    sum; their values, examples and references by their newest history record; the letter,
    the final report's texts and the framework row by row (they are small).

    Edits go through `save()` (the workflow, the admin, imports), which stamps `updated_at` and
    writes history; a queryset `update()` behind the portal's back is not seen."""
    entries = ProgressEntry.objects.filter(round__plan=plan, round__year__lte=year)
    parts = [
        plan.pk,
        _rows(Plan.objects.filter(pk=plan.pk)),
        list(ReportingRound.objects.filter(plan=plan, year__lte=year).values_list("pk", "year")),
        entries.aggregate(
            count=Count("pk"), last=Max("updated_at"), versions=Sum("version"), top=Max("pk")
        ),
        [
            model.history.filter(entry__round__plan=plan, entry__round__year__lte=year).aggregate(
                count=Count("history_id"), last=Max("history_id")
            )
            for model in (ProgressValue, Example, Reference)
        ],
        _rows(CoverLetter.objects.filter(round__plan=plan, round__year=year)),
        _rows(LetterSignature.objects.filter(letter__round__plan=plan, letter__round__year=year)),
        PlanNarrative.objects.filter(plan=plan).aggregate(
            count=Count("pk"), last=Max("updated_at"), top=Max("pk")
        ),
        _rows(Goal.objects.filter(plan=plan)),
        _rows(Subgoal.objects.filter(goal__plan=plan)),
        _rows(Indicator.objects.filter(plan=plan)),
        _rows(DisaggregationCategory.objects.filter(indicator__plan=plan)),
        _rows(Responsibility.objects.filter(goal__plan=plan)),
        _rows(PlanOrganisation.objects.filter(plan=plan)),
        _rows(
            Organisation.objects.filter(
                Q(pk__in=PlanOrganisation.objects.filter(plan=plan).values("organisation_id"))
                | Q(pk__in=Responsibility.objects.filter(goal__plan=plan).values("organisation_id"))
                | Q(pk__in=entries.values("organisation_id"))
            )
        ),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def cache_key(
    *,
    plan: Plan,
    year: int,
    fmt: str,
    layout: str,
    language: str,
    draft: bool = False,
    final: bool = False,
) -> str:
    """Documents are cached under the state of what they show and how they look, never under
    a time, so a cached document is never stale."""
    state = report_state(plan=plan, year=year)
    choices = f"{plan.pk}:{year}:{fmt}:{layout}:{language}:{int(draft)}:{int(final)}"
    return f"reports:{renderer_version()}:{choices}:{state}"


def _check(fmt: str, layout: str, language: str | None) -> None:
    from django.conf import settings

    if fmt not in FORMATS:
        raise ValidationError(_("Unknown format %(format)s.") % {"format": fmt})
    if layout not in LAYOUTS:
        raise ValidationError(_("Unknown layout %(layout)s.") % {"layout": layout})
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language %(language)s.") % {"language": language})


def generate_report(
    *,
    plan: Plan,
    year: int,
    fmt: str,
    layout: str = "organisation",
    language: str | None = None,
    draft: bool = False,
    final: bool = False,
    use_cache: bool = True,
    progress: Callable[[int, str], None] | None = None,
) -> GeneratedDocument:
    """The document for these choices. A cheap digest of the report's data (`report_state`)
    decides whether a rendered document can be reused; the report itself is built only when
    the document is not in the cache."""
    _check(fmt, layout, language)
    language = language or plan.language
    layout = "goal" if final else layout
    progress = progress or (lambda percent, step: None)
    filename = f"{filename_stem(plan.slug, year, layout, language, draft, final)}.{fmt}"
    key = None
    if use_cache:
        key = cache_key(
            plan=plan,
            year=year,
            fmt=fmt,
            layout=layout,
            language=language,
            draft=draft,
            final=final,
        )
        content = cache.get(key)
        if content is not None:
            progress(100, _("Ready"))
            return GeneratedDocument(filename, CONTENT_TYPES[fmt], content, key, cached=True)
    progress(5, _("Reading the entries"))
    report = build_report(
        plan=plan, year=year, layout=layout, language=language, draft=draft, final=final
    )
    if fmt == "pdf":
        progress(20, _("Laying out the pages"))
        content = render_pdf(report, progress=progress)
    else:
        progress(30, _("Writing the document"))
        content = render(report, fmt)
    if use_cache:
        cache.set(key, content, CACHE_SECONDS)
    progress(100, _("Ready"))
    return GeneratedDocument(filename, CONTENT_TYPES[fmt], content, report.fingerprint)


# -- the web button: background jobs -------------------------------------------------------------


def request_report(
    *,
    acting_user,
    round_: ReportingRound,
    fmt: str,
    layout: str,
    language: str,
    draft: bool = False,
    final: bool = False,
) -> ReportJob:
    """Queue a report for the worker; coordinators of the plan only."""
    denial = access.coordinate_denial(acting_user, round_)
    if denial:
        raise PermissionDenied(denial)
    _check(fmt, layout, language)
    job = ReportJob(
        round=round_,
        requested_by=acting_user,
        format=fmt,
        layout=layout,
        language=language,
        draft=draft,
        final=final,
        step=_("Waiting for the report worker"),
    )
    job.full_clean(exclude=["content"])
    job.save()
    enqueue(job)
    return job


def enqueue(job: ReportJob) -> None:
    """Hand the job to the worker once the transaction that recorded it commits, so the worker
    never looks for a job that is not there yet (or was rolled back)."""
    from .tasks import run_report_job as task

    transaction.on_commit(lambda: task.enqueue(job.pk))


def claim_job(job_id: int) -> ReportJob | None:
    """Take a waiting job; None if another worker took it or it is gone (the claim is one
    UPDATE, so a job runs once even if its task is enqueued twice)."""
    claimed = ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.QUEUED).update(
        status=ReportJob.Status.RUNNING, started_at=timezone.now(), progress=1
    )
    if not claimed:
        return None
    return ReportJob.objects.select_related("round__plan").get(pk=job_id)


def run_job(job_id: int) -> ReportJob | None:
    """The worker's task body: claim the job and run it."""
    job = claim_job(job_id)
    return run_report_job(job) if job else None


def queue_freeze(*, round_: ReportingRound, actor=None) -> ReportJob | None:
    """Queue the storing of a published round's documents for the worker.

    Called by `reporting.workflow.publish_round` inside the publishing transaction: the job is
    recorded with the publication and its task enqueued when that commits, so publishing never
    renders inside a request. Nothing is queued when the report is already stored or a freeze
    job is already waiting or running.
    """
    if PublishedReport.objects.filter(round=round_).exists():
        return None
    if ReportJob.objects.filter(
        round=round_,
        kind=ReportJob.Kind.FREEZE,
        status__in=(ReportJob.Status.QUEUED, ReportJob.Status.RUNNING),
    ).exists():
        return None
    job = ReportJob.objects.create(
        kind=ReportJob.Kind.FREEZE,
        round=round_,
        requested_by=actor,
        format=Format.PDF,
        layout="organisation",
        language=round_.plan.language,
        step=_("Waiting for the report worker"),
    )
    enqueue(job)
    return job


def _run_freeze_job(job: ReportJob) -> None:
    ReportJob.objects.filter(pk=job.pk).update(progress=5, step=_("Storing the published report"))
    stored = freeze_report(job.round, actor=job.requested_by)
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJob.Status.DONE,
        progress=100,
        step=_("Stored %(count)s documents of the published report.") % {"count": len(stored)},
        finished_at=timezone.now(),
    )


def run_report_job(job: ReportJob) -> ReportJob:
    def progress(percent: int, step: str) -> None:
        ReportJob.objects.filter(pk=job.pk).update(progress=percent, step=step)

    if job.kind == ReportJob.Kind.FREEZE:
        try:
            _run_freeze_job(job)
        except Exception as exc:  # the worker must survive one broken report
            logger.exception("Freeze job %s failed", job.pk)
            ReportJob.objects.filter(pk=job.pk).update(
                status=ReportJob.Status.FAILED,
                error=str(exc),
                step=_("Failed"),
                finished_at=timezone.now(),
            )
        job.refresh_from_db()
        return job
    try:
        document = generate_report(
            plan=job.round.plan,
            year=job.round.year,
            fmt=job.format,
            layout=job.layout,
            language=job.language,
            draft=job.draft,
            final=job.final,
            progress=progress,
        )
    except Exception as exc:  # the worker must survive one broken report
        logger.exception("Report job %s failed", job.pk)
        ReportJob.objects.filter(pk=job.pk).update(
            status=ReportJob.Status.FAILED,
            error=str(exc),
            step=_("Failed"),
            finished_at=timezone.now(),
        )
    else:
        ReportJob.objects.filter(pk=job.pk).update(
            status=ReportJob.Status.DONE,
            progress=100,
            step=_("Ready"),
            filename=document.filename,
            content_type=document.content_type,
            content=document.content,
            sha256=document.sha256,
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


def run_pending_jobs() -> list[ReportJob]:
    """Run the database worker until its queue is empty (`manage.py db_worker --batch`), in
    this process; the jobs it finished, oldest first. For tests and `run_report_jobs`."""
    from django.core.management import call_command

    waiting = set(
        ReportJob.objects.filter(status=ReportJob.Status.QUEUED).values_list("pk", flat=True)
    )
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    return list(
        ReportJob.objects.filter(pk__in=waiting)
        .exclude(status__in=(ReportJob.Status.QUEUED, ReportJob.Status.RUNNING))
        .order_by("created_at", "pk")
    )


# -- publication: frozen documents ---------------------------------------------------------------

DEFAULT_FREEZE_FORMATS = (Format.PDF, Format.DOCX, Format.HTML)


@transaction.atomic
def freeze_report(
    round_: ReportingRound,
    *,
    actor=None,
    formats=DEFAULT_FREEZE_FORMATS,
    layouts=("organisation",),
    languages=None,
    correction: bool = False,
    note: str = "",
) -> list[PublishedReport]:
    """Store the published report's documents for good, with their SHA-256.

    Called when a round is published. Calling it again returns the documents already stored:
    later edits never change a published report. A corrected version is issued explicitly
    (`correction=True` with a `note`) as the next version; earlier versions stay available.
    """
    round_ = ReportingRound.objects.select_for_update().select_related("plan").get(pk=round_.pk)
    existing = list(PublishedReport.objects.filter(round=round_).order_by("version", "pk"))
    latest = max((d.version for d in existing), default=0)
    if latest and not correction:
        return [d for d in existing if d.version == latest]
    if correction and not note.strip():
        raise ValidationError(_("Say what a corrected version corrects."))
    if round_.state != ReportingRound.State.PUBLISHED:
        raise ValidationError(_("Only a published round has a published report."))
    version = (
        PublishedReport.objects.filter(round=round_).aggregate(v=Max("version"))["v"] or 0
    ) + 1
    languages = languages or [round_.plan.language]
    stored = []
    for language in languages:
        for layout in layouts:
            for fmt in formats:
                document = generate_report(
                    plan=round_.plan,
                    year=round_.year,
                    fmt=fmt,
                    layout=layout,
                    language=language,
                    use_cache=False,
                )
                stem, _dot, extension = document.filename.rpartition(".")
                report = PublishedReport(
                    round=round_,
                    version=version,
                    format=fmt,
                    layout=layout,
                    language=language,
                    filename=f"{stem}-v{version}.{extension}",
                    content_type=document.content_type,
                    content=document.content,
                    sha256=document.sha256,
                    note=note,
                    created_by=actor,
                )
                report.full_clean()
                report.save()
                stored.append(report)
    return stored
