"""Generating reports: one path for the command line, the web button and publication.

`generate_report` builds the context and renders it, serving unchanged reports from the cache;
`request_report` / `run_report_job` are the web button's background work; `freeze_report`
stores the published documents for good.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.models import Plan
from reporting import access
from reporting.models import ReportingRound

from .context import LAYOUTS, build_report
from .models import Format, PublishedReport, ReportJob
from .render import CONTENT_TYPES, FORMATS, render, render_html, render_pdf, renderer_version

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


def cache_key(report, fmt: str) -> str:
    """Documents are cached under what they show and how they look, never under a time."""
    return f"reports:{renderer_version()}:{report.fingerprint}:{fmt}"


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
    """The document for these choices. The context is always read afresh (a dozen queries), and
    its hash decides whether a rendered document can be reused: any change to what the report
    shows changes the hash, so a cached document is never stale."""
    _check(fmt, layout, language)
    progress = progress or (lambda percent, step: None)
    progress(5, _("Reading the entries"))
    report = build_report(
        plan=plan, year=year, layout=layout, language=language, draft=draft, final=final
    )
    filename = f"{report.filename_stem}.{fmt}"
    key = cache_key(report, fmt)
    if use_cache:
        content = cache.get(key)
        if content is not None:
            progress(100, _("Ready"))
            return GeneratedDocument(
                filename, CONTENT_TYPES[fmt], content, report.fingerprint, cached=True
            )
    if fmt == "pdf":
        progress(20, _("Writing the HTML"))
        html = render_html(report)
        progress(35, _("Laying out the pages"))
        content = render_pdf(report, html)
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
    """Queue a report for `run_report_jobs`; coordinators of the plan only."""
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
    return job


def claim_next_job() -> ReportJob | None:
    """Take the oldest waiting job; safe with several workers (the claim is one UPDATE)."""
    for job_id in (
        ReportJob.objects.filter(status=ReportJob.Status.QUEUED)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:10]
    ):
        claimed = ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.QUEUED).update(
            status=ReportJob.Status.RUNNING, started_at=timezone.now(), progress=1
        )
        if claimed:
            return ReportJob.objects.select_related("round__plan").get(pk=job_id)
    return None


def run_report_job(job: ReportJob) -> ReportJob:
    def progress(percent: int, step: str) -> None:
        ReportJob.objects.filter(pk=job.pk).update(progress=percent, step=step)

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


def run_pending_jobs(limit: int | None = None) -> list[ReportJob]:
    done = []
    while limit is None or len(done) < limit:
        job = claim_next_job()
        if job is None:
            break
        done.append(run_report_job(job))
    return done


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
