"""Writes to the plan framework. Each function is idempotent: it finds the object by its
natural key, sets the given values, and validates and saves only when something changed.

Texts are given per language (`{"nl": ..., "en": ...}`); languages not named are left alone.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction

from napportal.upsert import Translations, save_if_changed, translated_values

from .models import (
    DisaggregationCategory,
    Goal,
    Indicator,
    Organisation,
    Plan,
    PlanOrganisation,
    Responsibility,
    Subgoal,
)


def upsert_organisation(
    *,
    slug: str,
    kind: str,
    name: Translations,
    abbreviation: Translations = None,
    country: str = "",
    website: str = "",
) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first() or Organisation(slug=slug)
    save_if_changed(
        organisation,
        {
            "kind": kind,
            "country": country or "",
            "website": website or "",
            **translated_values("name", name),
            **translated_values("abbreviation", abbreviation),
        },
    )
    return organisation


def upsert_plan(
    *,
    slug: str,
    country: str,
    edition: int,
    short_name: str,
    title: Translations,
    first_year: int,
    last_year: int,
    language: str,
    status: str = Plan.Status.ACTIVE,
    description: Translations = None,
) -> Plan:
    plan = Plan.objects.filter(slug=slug).first() or Plan(slug=slug)
    save_if_changed(
        plan,
        {
            "country": country,
            "edition": int(edition),
            "short_name": short_name,
            "first_year": int(first_year),
            "last_year": int(last_year),
            "language": language,
            "status": status,
            **translated_values("title", title),
            **translated_values("description", description),
        },
    )
    return plan


def set_plan_role(*, plan: Plan, organisation: Organisation, role: str | None) -> None:
    """Make `organisation` a coordinator, co-coordinator or signatory of `plan` (None: none)."""
    existing = PlanOrganisation.objects.filter(plan=plan, organisation=organisation).first()
    if role is None:
        if existing:
            existing.delete()
        return
    save_if_changed(
        existing or PlanOrganisation(plan=plan, organisation=organisation), {"role": role}
    )


def upsert_goal(
    *,
    plan: Plan,
    number: int,
    title: Translations,
    pillar: str = "",
    description: Translations = None,
) -> Goal:
    goal = Goal.objects.filter(plan=plan, number=number).first() or Goal(plan=plan, number=number)
    save_if_changed(
        goal,
        {
            "pillar": pillar or "",
            **translated_values("title", title),
            **translated_values("description", description),
        },
    )
    return goal


def upsert_subgoal(*, goal: Goal, number: str, title: Translations, position: int = 0) -> Subgoal:
    subgoal = Subgoal.objects.filter(goal=goal, number=number).first() or Subgoal(
        goal=goal, number=number
    )
    save_if_changed(subgoal, {"position": position, **translated_values("title", title)})
    return subgoal


def upsert_indicator(
    *,
    goal: Goal,
    subgoal: Subgoal | None,
    code: str,
    kind: str,
    text: Translations,
    unit: Translations = None,
    currency: str = "",
    baseline: Decimal | None = None,
    baseline_year: int | None = None,
    target: Decimal | None = None,
    target_year: int | None = None,
    position: int = 0,
    categories: Iterable[Mapping[str, Any]] = (),
) -> Indicator:
    indicator = Indicator.objects.filter(plan=goal.plan, code=code).first() or Indicator(
        plan=goal.plan, code=code
    )
    save_if_changed(
        indicator,
        {
            "goal_id": goal.pk,
            "subgoal_id": subgoal.pk if subgoal else None,
            "kind": kind,
            "currency": currency or "",
            "baseline": _decimal(baseline),
            "baseline_year": baseline_year,
            "target": _decimal(target),
            "target_year": target_year,
            "position": position,
            **translated_values("text", text),
            **translated_values("unit", unit),
        },
    )
    for position_, category in enumerate(categories):
        upsert_category(
            indicator=indicator,
            code=category["code"],
            label=category["label"],
            position=position_,
        )
    return indicator


def upsert_category(
    *, indicator: Indicator, code: str, label: Translations, position: int = 0
) -> DisaggregationCategory:
    category = DisaggregationCategory.objects.filter(
        indicator=indicator, code=code
    ).first() or DisaggregationCategory(indicator=indicator, code=code)
    save_if_changed(category, {"position": position, **translated_values("label", label)})
    return category


def ensure_responsibility(
    *,
    organisation: Organisation,
    goal: Goal,
    subgoal: Subgoal | None = None,
    indicator: Indicator | None = None,
) -> Responsibility:
    responsibility, created = Responsibility.objects.get_or_create(
        organisation=organisation, goal=goal, subgoal=subgoal, indicator=indicator
    )
    if created:
        responsibility.full_clean()
    return responsibility


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


@transaction.atomic
def load_plan_framework(data: Mapping[str, Any]) -> Plan:
    """Create or update a whole plan from the structure in `docs/demo-data-format.md`."""
    plan = upsert_plan(**data["plan"])
    organisations = {}
    for item in data.get("organisations", []):
        item = dict(item)
        role = item.pop("plan_role", None)
        organisation = upsert_organisation(**item)
        organisations[organisation.slug] = organisation
        set_plan_role(plan=plan, organisation=organisation, role=role)

    goals, subgoals, indicators = {}, {}, {}
    for goal_data in data.get("goals", []):
        goal = upsert_goal(
            plan=plan,
            number=goal_data["number"],
            title=goal_data["title"],
            pillar=goal_data.get("pillar", ""),
            description=goal_data.get("description"),
        )
        goals[goal.number] = goal
        for position, indicator_data in enumerate(goal_data.get("indicators", [])):
            indicator = upsert_indicator(
                goal=goal, subgoal=None, position=position, **indicator_data
            )
            indicators[indicator.code] = indicator
        for sub_position, subgoal_data in enumerate(goal_data.get("subgoals", [])):
            subgoal = upsert_subgoal(
                goal=goal,
                number=str(subgoal_data["number"]),
                title=subgoal_data["title"],
                position=sub_position,
            )
            subgoals[goal.number, subgoal.number] = subgoal
            for position, indicator_data in enumerate(subgoal_data.get("indicators", [])):
                indicator = upsert_indicator(
                    goal=goal, subgoal=subgoal, position=position, **indicator_data
                )
                indicators[indicator.code] = indicator

    for item in data.get("responsibilities", []):
        ensure_responsibility(
            organisation=organisations.get(item["organisation"])
            or Organisation.objects.get(slug=item["organisation"]),
            goal=goals[item["goal"]],
            subgoal=subgoals[item["goal"], str(item["subgoal"])] if item.get("subgoal") else None,
            indicator=indicators[item["indicator"]] if item.get("indicator") else None,
        )
    return plan
