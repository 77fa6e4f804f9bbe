"""Exports in exactly the formats the importers read, so that export → edit → import works.

Each export returns (filename, content type, bytes).
"""

from collections.abc import Iterable, Iterator

from django.db.models import F, Q

from indicators.i18n import localized
from indicators.models import Indicator, Organisation, Plan, PlanOrganisation, Responsibility
from reporting.models import ENTRY_ORDER, ProgressEntry

from . import plans as plan_format
from . import progress as progress_format
from .cells import LANGUAGE_CODES
from .tabular import CONTENT_TYPES, FORMATS, write_table

ROLE_ORDER = {role: index for index, role in enumerate(PlanOrganisation.Role.values)}


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
    return fmt


def _texts(obj, fieldname: str) -> dict[str, str]:
    return {
        f"{fieldname}_{code}": getattr(obj, f"{fieldname}_{code}") or "" for code in LANGUAGE_CODES
    }


def export_plan(plan: Plan, fmt: str) -> tuple[str, str, bytes]:
    return export_plans([plan], fmt)


def export_plans(plans: Iterable[Plan], fmt: str) -> tuple[str, str, bytes]:
    """One file with every row of the given plans (one plan is the usual case)."""
    _check_format(fmt)
    plans = list(plans)
    rows = [row for plan in plans for row in plan_rows(plan)]
    name = plans[0].slug if len(plans) == 1 else "plans"
    content = write_table(plan_format.COLUMNS, rows, fmt, title="plan")
    return f"{name}-plan.{fmt}", CONTENT_TYPES[fmt], content


def plan_rows(plan: Plan) -> Iterator[dict]:
    """The rows of one plan: the plan, its organisations, then each goal with its indicators
    (and their categories) and its subgoals (with theirs), then the responsibilities."""
    base = {"plan_slug": plan.slug}
    yield {
        **base,
        "type": "plan",
        "country": plan.country.code,
        "edition": plan.edition,
        "short_name": plan.short_name,
        "first_year": plan.first_year,
        "last_year": plan.last_year,
        "language": plan.language,
        "status": plan.status,
        **_texts(plan, "title"),
        **_texts(plan, "description"),
    }

    roles = dict(plan.participations.values_list("organisation_id", "role"))
    organisations = Organisation.objects.filter(
        Q(pk__in=roles) | Q(responsibilities__goal__plan=plan)
    ).distinct()
    for organisation in sorted(
        organisations, key=lambda o: (ROLE_ORDER.get(roles.get(o.pk), len(ROLE_ORDER)), o.slug)
    ):
        yield {
            **base,
            "type": "organisation",
            "organisation": organisation.slug,
            "kind": organisation.kind,
            "role": roles.get(organisation.pk, ""),
            "country": organisation.country.code or "",
            "website": organisation.website,
            **_texts(organisation, "name"),
            **_texts(organisation, "abbreviation"),
        }

    indicators = (
        Indicator.objects.filter(plan=plan)
        .select_related("goal", "subgoal")
        .prefetch_related("categories")
        .order_by("position", "code")
    )
    by_parent: dict[tuple, list[Indicator]] = {}
    for indicator in indicators:
        by_parent.setdefault((indicator.goal_id, indicator.subgoal_id), []).append(indicator)

    for goal in plan.goals.order_by("number").prefetch_related("subgoals"):
        yield {
            **base,
            "type": "goal",
            "goal": goal.number,
            "pillar": goal.pillar,
            **_texts(goal, "title"),
            **_texts(goal, "description"),
        }
        yield from _indicator_rows(base, goal, None, by_parent.get((goal.pk, None), []))
        for subgoal in sorted(goal.subgoals.all(), key=lambda s: (s.position, s.number)):
            yield {
                **base,
                "type": "subgoal",
                "goal": goal.number,
                "subgoal": subgoal.number,
                "position": subgoal.position,
                **_texts(subgoal, "title"),
            }
            yield from _indicator_rows(
                base, goal, subgoal, by_parent.get((goal.pk, subgoal.pk), [])
            )

    responsibilities = (
        Responsibility.objects.filter(goal__plan=plan)
        .select_related("organisation", "goal", "subgoal", "indicator")
        .order_by(
            "goal__number",
            F("subgoal__position").asc(nulls_first=True),
            F("indicator__position").asc(nulls_first=True),
            "indicator__code",
            "organisation__slug",
        )
    )
    for responsibility in responsibilities:
        yield {
            **base,
            "type": "responsibility",
            "organisation": responsibility.organisation.slug,
            "goal": responsibility.goal.number,
            "subgoal": responsibility.subgoal.number if responsibility.subgoal_id else "",
            "indicator": responsibility.indicator.code if responsibility.indicator_id else "",
        }


def _indicator_rows(base: dict, goal, subgoal, indicators: list[Indicator]) -> Iterator[dict]:
    for indicator in indicators:
        yield {
            **base,
            "type": "indicator",
            "goal": goal.number,
            "subgoal": subgoal.number if subgoal else "",
            "indicator": indicator.code,
            "position": indicator.position,
            "kind": indicator.kind,
            "currency": indicator.currency,
            "baseline": indicator.baseline,
            "baseline_year": indicator.baseline_year,
            "target": indicator.target,
            "target_year": indicator.target_year,
            **_texts(indicator, "text"),
            **_texts(indicator, "unit"),
        }
        for category in sorted(indicator.categories.all(), key=lambda c: (c.position, c.code)):
            yield {
                **base,
                "type": "category",
                "indicator": indicator.code,
                "category": category.code,
                "position": category.position,
                **_texts(category, "label"),
            }


def export_progress(queryset, fmt: str) -> tuple[str, str, bytes]:
    """Progress entries in the long format: a row per value (total or category), or one row
    for an entry without values."""
    _check_format(fmt)
    entries = list(
        queryset.select_related("round__plan", "organisation", "goal", "subgoal", "indicator")
        .prefetch_related("values__category")
        .order_by(*ENTRY_ORDER)
    )
    rows = [row for entry in entries for row in progress_rows(entry)]
    plans = {entry.round.plan.slug for entry in entries}
    years = {entry.round.year for entry in entries}
    name = plans.pop() if len(plans) == 1 else "plans"
    if len(years) == 1:
        name += f"-{years.pop()}"
    content = write_table(progress_format.COLUMNS, rows, fmt, title="progress")
    return f"{name}-progress.{fmt}", CONTENT_TYPES[fmt], content


def progress_rows(entry: ProgressEntry) -> Iterator[dict]:
    plan = entry.round.plan
    indicator = entry.indicator
    row = {
        "plan_slug": plan.slug,
        "year": entry.round.year,
        "organisation": entry.organisation.slug,
        "goal": entry.goal.number,
        "subgoal": entry.subgoal.number if entry.subgoal_id else "",
        "indicator": indicator.code if indicator else "",
        "unit": localized(indicator, "unit", plan.language).text if indicator else "",
        "currency": entry.currency,
        "status": entry.status,
        "not_reported": entry.not_reported,
        **_texts(entry, "not_reported_reason"),
        **_texts(entry, "narrative"),
    }
    values = sorted(
        entry.values.all(),
        key=lambda v: (
            v.category is not None,
            v.category.position if v.category else 0,
            v.category.code if v.category else "",
        ),
    )
    if not values:
        yield {**row, "category": "", "value": None}
    for value in values:
        yield {
            **row,
            "category": value.category.code if value.category else "",
            "value": value.value,
        }
