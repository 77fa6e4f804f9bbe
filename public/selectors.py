"""Reads for the public portal. Only published data is public.

Every selector starts from `Plan.objects.public()` and `published_entries()` (which starts from
`ProgressEntry.objects.published()`), and every page reads a fixed number of queries however
much data there is: lists are fetched in one go and grouped in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Subquery
from django.shortcuts import get_object_or_404

from indicators.i18n import localized
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
from reporting.models import Example, ProgressEntry, ProgressValue, Reference, ReportingRound
from reports.models import PublishedReport

# Long texts no list needs; pages that show entries load them.
NARRATIVE_FIELDS = [
    f"{name}{suffix}"
    for name in ("narrative", "not_reported_reason")
    for suffix in ("", "_nl", "_en", "_fr")
]


# -- starting points ------------------------------------------------------------------------


def public_plans():
    return Plan.objects.public()


def published_rounds():
    return ReportingRound.objects.filter(
        state=ReportingRound.State.PUBLISHED, plan__in=public_plans()
    )


def published_entries():
    """Published entries of public plans, in published rounds: the only entries shown."""
    return ProgressEntry.objects.published().filter(
        round__plan__in=public_plans(), round__state=ReportingRound.State.PUBLISHED
    )


def published_reports():
    """Frozen report documents of published rounds, without their (large) content."""
    return (
        PublishedReport.objects.filter(round__in=published_rounds())
        .select_related("round")
        .defer("content")
    )


def with_details(entries):
    """Everything an entry shows on a page: four queries whatever the number of entries."""
    return entries.select_related(
        "round", "organisation", "goal", "subgoal", "indicator"
    ).prefetch_related(
        Prefetch(
            "values",
            queryset=ProgressValue.objects.select_related("category").order_by(
                "category__position", "category__code"
            ),
        ),
        Prefetch("examples", queryset=Example.objects.order_by("position", "pk")),
        Prefetch("references", queryset=Reference.objects.order_by("position", "pk")),
    )


def get_public_plan(slug: str) -> Plan:
    return get_object_or_404(public_plans(), slug=slug)


# -- grouping -------------------------------------------------------------------------------


@dataclass
class OrganisationGroup:
    organisation: Organisation
    entries: list = field(default_factory=list)


@dataclass
class YearGroup:
    year: int
    organisations: list[OrganisationGroup] = field(default_factory=list)

    @property
    def entry_count(self) -> int:
        return sum(len(group.entries) for group in self.organisations)


def organisation_sort_key(organisation: Organisation) -> str:
    return localized(organisation, "name").text.casefold()


def by_year_and_organisation(entries) -> list[YearGroup]:
    """Newest year first; organisations by name; entries in report order within each."""
    years: dict[int, dict[int, OrganisationGroup]] = defaultdict(dict)
    for entry in entries:
        groups = years[entry.round.year]
        if entry.organisation_id not in groups:
            groups[entry.organisation_id] = OrganisationGroup(entry.organisation)
        groups[entry.organisation_id].entries.append(entry)
    return [
        YearGroup(
            year,
            sorted(
                years[year].values(), key=lambda group: organisation_sort_key(group.organisation)
            ),
        )
        for year in sorted(years, reverse=True)
    ]


def _entries_in_order(entries):
    return list(with_details(entries).in_report_order())


# -- home -----------------------------------------------------------------------------------


@dataclass
class CountryGroup:
    country: object
    plans: list[Plan]


def home_page() -> dict:
    plans = list(public_plans().order_by("country", "-first_year"))
    countries: dict[str, CountryGroup] = {}
    for plan in plans:
        code = str(plan.country.code)
        countries.setdefault(code, CountryGroup(plan.country, []))
        countries[code].plans.append(plan)
    rounds = list(
        published_rounds()
        .select_related("plan")
        .prefetch_related(
            Prefetch(
                "published_reports",
                queryset=PublishedReport.objects.defer("content").order_by(
                    "-version", "language", "layout", "format"
                ),
            )
        )
        .order_by("-published_at", "-year")[:6]
    )
    return {
        "countries": sorted(countries.values(), key=lambda group: str(group.country.name)),
        "latest_rounds": rounds,
    }


# -- plan -----------------------------------------------------------------------------------


def _framework(plan_queryset):
    goal_indicators = Indicator.objects.filter(subgoal__isnull=True).prefetch_related("categories")
    return plan_queryset.prefetch_related(
        Prefetch(
            "goals",
            queryset=Goal.objects.prefetch_related(
                Prefetch("indicators", queryset=goal_indicators, to_attr="own_indicators"),
                Prefetch(
                    "subgoals",
                    queryset=Subgoal.objects.prefetch_related(
                        Prefetch(
                            "indicators", queryset=Indicator.objects.prefetch_related("categories")
                        )
                    ),
                ),
            ),
        ),
        Prefetch(
            "participations",
            queryset=PlanOrganisation.objects.select_related("organisation").order_by("role"),
        ),
    )


@dataclass
class YearSummary:
    year: int
    entries: int = 0
    organisations: int = 0


def plan_page(slug: str) -> dict:
    plan = get_object_or_404(_framework(public_plans()), slug=slug)
    years = list(
        published_rounds().filter(plan=plan).order_by("year").values_list("year", flat=True)
    )
    entries = published_entries().filter(round__plan=plan).order_by()
    per_goal: dict[int, dict[int, YearSummary]] = defaultdict(dict)
    for row in entries.values("goal_id", "round__year").annotate(
        entries=Count("pk"), organisations=Count("organisation", distinct=True)
    ):
        per_goal[row["goal_id"]][row["round__year"]] = YearSummary(
            row["round__year"], row["entries"], row["organisations"]
        )
    totals = {
        row["round__year"]: YearSummary(row["round__year"], row["entries"], row["organisations"])
        for row in entries.values("round__year").annotate(
            entries=Count("pk"), organisations=Count("organisation", distinct=True)
        )
    }
    goals = list(plan.goals.all())
    for goal in goals:
        goal.summary = [per_goal[goal.pk].get(year, YearSummary(year)) for year in years]
    return {
        "plan": plan,
        "goals": goals,
        "years": years,
        "totals": [totals.get(year, YearSummary(year)) for year in years],
        "coordinators": [p for p in plan.participations.all() if p.is_coordinating],
        "signatory_count": sum(
            1 for p in plan.participations.all() if p.role == PlanOrganisation.Role.SIGNATORY
        ),
    }


# -- goal, subgoal, indicator ---------------------------------------------------------------


def goal_page(slug: str, number: int) -> dict:
    goal = get_object_or_404(
        Goal.objects.filter(plan__in=public_plans())
        .select_related("plan")
        .prefetch_related(
            Prefetch(
                "indicators",
                queryset=Indicator.objects.filter(subgoal__isnull=True).prefetch_related(
                    "categories"
                ),
                to_attr="own_indicators",
            ),
            Prefetch(
                "subgoals",
                queryset=Subgoal.objects.prefetch_related(
                    Prefetch(
                        "indicators", queryset=Indicator.objects.prefetch_related("categories")
                    )
                ),
            ),
        ),
        plan__slug=slug,
        number=number,
    )
    entries = _entries_in_order(published_entries().filter(goal=goal))
    return {
        "plan": goal.plan,
        "goal": goal,
        "years": by_year_and_organisation(entries),
    }


def subgoal_page(slug: str, number: int, code: str) -> dict:
    subgoal = get_object_or_404(
        Subgoal.objects.filter(goal__plan__in=public_plans())
        .select_related("goal__plan")
        .prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.prefetch_related("categories"))
        ),
        goal__plan__slug=slug,
        goal__number=number,
        number=code,
    )
    entries = _entries_in_order(published_entries().filter(subgoal=subgoal))
    return {
        "plan": subgoal.goal.plan,
        "goal": subgoal.goal,
        "subgoal": subgoal,
        "years": by_year_and_organisation(entries),
    }


@dataclass
class SeriesPoint:
    organisation: Organisation
    values: dict[int, Decimal | None]


def entry_total(entry, indicator: Indicator) -> Decimal | None:
    """The entry's total: the value without a category, else the sum of its categories
    (never for percentages, which do not add up)."""
    values = list(entry.values.all())
    for value in values:
        if value.category_id is None:
            return value.value
    if values and indicator.kind != Indicator.Kind.PERCENTAGE:
        return sum((value.value for value in values), Decimal(0))
    return None


def indicator_series(indicator: Indicator, entries) -> tuple[list[int], list[SeriesPoint]]:
    """Per organisation, its reported total for each year (for the chart and its table)."""
    years: set[int] = set()
    series: dict[int, SeriesPoint] = {}
    for entry in entries:
        total = entry_total(entry, indicator)
        if total is None:
            continue
        years.add(entry.round.year)
        point = series.setdefault(entry.organisation_id, SeriesPoint(entry.organisation, {}))
        point.values[entry.round.year] = total
    ordered = sorted(series.values(), key=lambda point: organisation_sort_key(point.organisation))
    return sorted(years), ordered


def indicator_page(slug: str, code: str) -> dict:
    indicator = get_object_or_404(
        Indicator.objects.filter(plan__in=public_plans())
        .select_related("plan", "goal", "subgoal")
        .prefetch_related(
            Prefetch(
                "categories",
                queryset=DisaggregationCategory.objects.order_by("position", "code"),
            )
        ),
        plan__slug=slug,
        code=code,
    )
    entries = _entries_in_order(published_entries().filter(indicator=indicator))
    years, series = indicator_series(indicator, entries) if indicator.is_quantitative else ([], [])
    return {
        "plan": indicator.plan,
        "goal": indicator.goal,
        "subgoal": indicator.subgoal,
        "indicator": indicator,
        "years": by_year_and_organisation(entries),
        "series_years": years,
        "series": series,
    }


# -- organisations --------------------------------------------------------------------------


def public_organisations():
    """Organisations taking part in a public plan, or with published entries."""
    return Organisation.objects.filter(
        Exists(
            PlanOrganisation.objects.filter(organisation=OuterRef("pk"), plan__in=public_plans())
        )
        | Exists(published_entries().filter(organisation=OuterRef("pk")))
    )


def organisation_list_page() -> dict:
    entry_counts = (
        published_entries()
        .filter(organisation=OuterRef("pk"))
        .order_by()
        .values("organisation")
        .annotate(count=Count("pk"))
        .values("count")
    )
    organisations = sorted(
        public_organisations().annotate(published=Subquery(entry_counts)),
        key=organisation_sort_key,
    )
    return {
        "government": [o for o in organisations if o.is_government],
        "civil_society": [o for o in organisations if not o.is_government],
    }


@dataclass
class PlanGroup:
    plan: Plan
    role: str = ""
    years: list[YearGroup] = field(default_factory=list)


def organisation_page(slug: str) -> dict:
    organisation = get_object_or_404(public_organisations(), slug=slug)
    participations = list(
        PlanOrganisation.objects.filter(organisation=organisation, plan__in=public_plans())
        .select_related("plan")
        .order_by("plan__country", "-plan__first_year")
    )
    entries = list(
        with_details(published_entries().filter(organisation=organisation))
        .select_related("round__plan")
        .in_report_order()
    )
    plans: dict[int, PlanGroup] = {
        p.plan_id: PlanGroup(p.plan, p.get_role_display()) for p in participations
    }
    by_plan: dict[int, list] = defaultdict(list)
    for entry in entries:
        plans.setdefault(entry.round.plan_id, PlanGroup(entry.round.plan))
        by_plan[entry.round.plan_id].append(entry)
    for plan_id, group in plans.items():
        group.years = by_year_and_organisation(by_plan[plan_id])
    return {
        "organisation": organisation,
        "plans": list(plans.values()),
        "entry_count": len(entries),
    }


# -- signatories, reports -------------------------------------------------------------------


def signatories_page(slug: str) -> dict:
    plan = get_public_plan(slug)
    participations = sorted(
        PlanOrganisation.objects.filter(plan=plan).select_related("organisation"),
        key=lambda p: organisation_sort_key(p.organisation),
    )
    return {
        "plan": plan,
        "coordinators": [p for p in participations if p.is_coordinating],
        "signatories": [p for p in participations if p.role == PlanOrganisation.Role.SIGNATORY],
    }


def reports_page(slug: str) -> dict:
    plan = get_public_plan(slug)
    rounds = list(
        published_rounds()
        .filter(plan=plan)
        .prefetch_related(
            Prefetch(
                "published_reports",
                queryset=PublishedReport.objects.defer("content").order_by(
                    "-version", "language", "layout", "format"
                ),
            )
        )
        .order_by("-year")
    )
    return {"plan": plan, "rounds": rounds}


def published_report(slug: str, pk: int) -> PublishedReport:
    """A frozen document of a published round of a public plan, with its content."""
    return get_object_or_404(
        PublishedReport.objects.filter(round__in=published_rounds()),
        pk=pk,
        round__plan__slug=slug,
    )


# -- reporting status -----------------------------------------------------------------------


@dataclass
class StatusRow:
    organisation: Organisation
    goal: Goal
    subgoal: Subgoal | None
    indicator: Indicator | None
    responsible: bool
    cells: list = field(default_factory=list)


REPORTED = "reported"
NOT_REPORTED = "not_reported"


def _scope_key(obj) -> tuple:
    return (obj.organisation_id, obj.goal_id, obj.subgoal_id, obj.indicator_id)


def _scope_order(row: StatusRow) -> tuple:
    return (
        organisation_sort_key(row.organisation),
        row.goal.number,
        row.subgoal.position if row.subgoal else -1,
        row.subgoal.number if row.subgoal else "",
        row.indicator.position if row.indicator else -1,
        row.indicator.code if row.indicator else "",
    )


def status_page(slug: str) -> dict:
    """Who reported on what, for every published year.

    Rows are the plan's responsibilities plus any scope an organisation published on without
    being responsible for it. Only published rounds get columns: for other years the page says
    no more than that they are not published.
    """
    plan = get_public_plan(slug)
    rounds = list(
        ReportingRound.objects.filter(plan=plan).order_by("year").values_list("year", "state")
    )
    published_years = [year for year, state in rounds if state == ReportingRound.State.PUBLISHED]
    pending_years = [year for year in plan.years if year not in published_years]
    responsibilities = list(
        Responsibility.objects.filter(goal__plan=plan).select_related(
            "organisation", "goal", "subgoal", "indicator"
        )
    )
    entries = list(
        published_entries()
        .filter(round__plan=plan)
        .select_related("round", "organisation", "goal", "subgoal", "indicator")
        .defer(*NARRATIVE_FIELDS)
    )
    rows: dict[tuple, StatusRow] = {}
    for responsibility in responsibilities:
        rows[_scope_key(responsibility)] = StatusRow(
            responsibility.organisation,
            responsibility.goal,
            responsibility.subgoal,
            responsibility.indicator,
            responsible=True,
        )
    reported: dict[tuple, ProgressEntry] = {}
    for entry in entries:
        key = _scope_key(entry)
        if key not in rows:
            rows[key] = StatusRow(
                entry.organisation, entry.goal, entry.subgoal, entry.indicator, responsible=False
            )
        reported[(*key, entry.round.year)] = entry
    ordered = sorted(rows.values(), key=_scope_order)
    for row in ordered:
        key = (
            row.organisation.pk,
            row.goal.pk,
            row.subgoal.pk if row.subgoal else None,
            row.indicator.pk if row.indicator else None,
        )
        for year in published_years:
            entry = reported.get((*key, year))
            row.cells.append((year, entry))
    organisations: list[tuple[Organisation, list[StatusRow]]] = []
    for row in ordered:
        if not organisations or organisations[-1][0].pk != row.organisation.pk:
            organisations.append((row.organisation, []))
        organisations[-1][1].append(row)
    reported_count = sum(1 for row in ordered for _year, entry in row.cells if entry)
    expected_count = sum(
        1 for row in ordered for _year, entry in row.cells if row.responsible or entry
    )
    return {
        "plan": plan,
        "published_years": published_years,
        "pending_years": pending_years,
        "organisations": organisations,
        "reported_count": reported_count,
        "expected_count": expected_count,
    }


# -- feed -----------------------------------------------------------------------------------


def feed_entries(plan: Plan, limit: int = 50) -> list[ProgressEntry]:
    return list(
        with_details(published_entries().filter(round__plan=plan))
        .select_related("round__plan")
        .order_by("-published_at", "-pk")[:limit]
    )
