"""Public pages: thin views over `public.selectors`, cached for anonymous visitors."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from indicators.i18n import localized

from . import selectors
from .caching import cache_public_page
from .charts import bar_chart


def _contact() -> dict:
    return {"contact_email": getattr(settings, "PUBLIC_CONTACT_EMAIL", "")}


@require_safe
@cache_public_page
def home(request):
    return render(request, "public/home.html", selectors.home_page())


@require_safe
@cache_public_page
def plan(request, slug):
    return render(request, "public/plan.html", selectors.plan_page(slug))


@require_safe
@cache_public_page
def goal(request, slug, number):
    return render(request, "public/goal.html", selectors.goal_page(slug, number))


@require_safe
@cache_public_page
def subgoal(request, slug, number, code):
    return render(request, "public/subgoal.html", selectors.subgoal_page(slug, number, code))


@require_safe
@cache_public_page
def indicator(request, slug, code):
    context = selectors.indicator_page(slug, code)
    indicator = context["indicator"]
    context["chart"] = bar_chart(
        context["series_years"],
        [(localized(point.organisation, "name").text, point.values) for point in context["series"]],
        baseline=indicator.baseline,
        target=indicator.target,
        baseline_label=_("Baseline"),
        target_label=_("Target"),
    )
    return render(request, "public/indicator.html", context)


@require_safe
@cache_public_page
def organisations(request):
    return render(request, "public/organisations.html", selectors.organisation_list_page())


@require_safe
@cache_public_page
def organisation(request, slug):
    return render(request, "public/organisation.html", selectors.organisation_page(slug))


@require_safe
@cache_public_page
def signatories(request, slug):
    return render(request, "public/signatories.html", selectors.signatories_page(slug))


@require_safe
@cache_public_page
def reports(request, slug):
    return render(request, "public/reports.html", selectors.reports_page(slug))


@require_safe
def report_download(request, slug, pk):
    """A frozen published report; never cached here (the documents can be large)."""
    document = selectors.published_report(slug, pk)
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response


@require_safe
@cache_public_page
def status(request, slug):
    return render(request, "public/status.html", selectors.status_page(slug))


@require_safe
@cache_public_page
def accessibility(request):
    return render(request, "public/accessibility.html", _contact())


@require_safe
@cache_public_page
def privacy(request):
    return render(request, "public/privacy.html", _contact())
