"""The coordinators' report page: ask for a report, follow its progress, download it.

The work runs in the background (`run_report_jobs`); these views only queue and show jobs.
Anyone who does not coordinate the plan gets a 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from reporting import access
from reporting.models import ReportingRound

from . import services
from .forms import ReportRequestForm
from .models import PublishedReport, ReportJob


def _coordinated_round(request, slug: str, year: int) -> ReportingRound:
    round_ = get_object_or_404(
        ReportingRound.objects.select_related("plan"), plan__slug=slug, year=year
    )
    if access.coordinate_denial(request.user, round_):
        raise Http404
    return round_


def _coordinated_job(request, pk: int) -> ReportJob:
    job = get_object_or_404(ReportJob.objects.select_related("round__plan"), pk=pk)
    if access.coordinate_denial(request.user, job.round):
        raise Http404
    return job


def _download(filename: str, content_type: str, content: bytes) -> HttpResponse:
    response = HttpResponse(bytes(content), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def round_reports(request, slug, year):
    round_ = _coordinated_round(request, slug, year)
    form = ReportRequestForm(request.POST or None, initial={"language": round_.plan.language})
    if request.method == "POST" and form.is_valid():
        try:
            job = services.request_report(
                acting_user=request.user,
                round_=round_,
                fmt=form.cleaned_data["format"],
                layout=form.cleaned_data["layout"],
                language=form.cleaned_data["language"],
                draft=form.cleaned_data["draft"],
                final=form.cleaned_data["final"],
            )
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            return redirect("reports:job", pk=job.pk)
    jobs = list(
        ReportJob.objects.filter(round=round_, kind=ReportJob.Kind.DOCUMENT).defer("content")[:10]
    )
    published = list(PublishedReport.objects.filter(round=round_).defer("content"))
    return render(
        request,
        "reports/round.html",
        {"round": round_, "form": form, "jobs": jobs, "published": published},
    )


@login_required
@require_GET
def job_detail(request, pk):
    job = _coordinated_job(request, pk)
    return render(request, "reports/job.html", {"job": job, "round": job.round})


@login_required
@require_GET
def job_download(request, pk):
    job = _coordinated_job(request, pk)
    if job.status != ReportJob.Status.DONE or job.kind != ReportJob.Kind.DOCUMENT:
        raise Http404
    return _download(job.filename, job.content_type, job.content)


@require_GET
def published_download(request, pk):
    """Published reports are public, like the entries in them."""
    document = get_object_or_404(
        PublishedReport.objects.select_related("round__plan"),
        pk=pk,
        round__state=ReportingRound.State.PUBLISHED,
    )
    return _download(document.filename, document.content_type, document.content)
