"""The public list of published progress entries, filtered by the query string."""

from django.core.paginator import Paginator
from django.db.models import F, Prefetch
from django.shortcuts import render
from django.utils.text import Truncator
from django.views.decorators.http import require_safe

from exchange.tabular import format_decimal
from indicators.i18n import localized
from reporting.models import ProgressValue

from .downloads import plain_text
from .filters import EntryFilter, published_entries

PAGE_SIZE = 20


@require_safe
def entry_list(request):
    filterset = EntryFilter(request.GET, queryset=published_entries(), request=request)
    filterset.add_choices()
    valid = filterset.is_valid()
    queryset = filterset.qs.select_related(
        "round__plan", "organisation", "goal", "subgoal", "indicator"
    ).prefetch_related(
        Prefetch(
            "values",
            queryset=ProgressValue.objects.select_related("category").order_by(
                F("category__position").asc(nulls_first=True), "category__code"
            ),
        )
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        describe(entry)
    for name in filterset.form.errors:
        if name in filterset.form.fields:
            field = filterset.form.fields[name]
            field.widget.attrs.update(
                {"aria-invalid": "true", "aria-describedby": f"id_{name}-error"}
            )
    # The same filters without the page number, for the downloads and the page links.
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "page_obj": page,
        "entries": page.object_list,
        "query": query.urlencode(),
        "filtered": any(value for key, value in request.GET.items() if key != "page"),
    }
    return render(request, "public/entries.html", context, status=200 if valid else 400)


def describe(entry) -> None:
    """Attach the texts the list shows, in the reader's language or the plan's."""
    fallback = entry.round.plan.language
    entry.organisation_name = localized(entry.organisation, "name", fallback=fallback)
    if entry.indicator_id:
        entry.indicator_text = localized(entry.indicator, "text", fallback=fallback)
    unit = localized(entry.indicator, "unit", fallback=fallback).text if entry.indicator_id else ""
    suffix = f" {entry.currency or unit}".rstrip()
    entry.value_rows = [
        (
            localized(value.category, "label", fallback=fallback) if value.category_id else None,
            f"{format_decimal(value.value)}{suffix}",
        )
        for value in entry.values.all()
    ]
    narrative = localized(entry, "narrative", fallback=fallback)
    entry.summary = Truncator(plain_text(narrative.text)).words(60)
    entry.summary_language = narrative.language if narrative.is_fallback else ""
