"""Filters of the framework endpoints; entries use the portal's own `EntryFilter`."""

from django_filters import rest_framework as filters

from indicators.models import Goal, Indicator, Organisation, Pillar, Subgoal
from public.filters import MAX_GOAL, SLUG_PATTERN, IntegerFilter, SlugFilter, documented

_SLUG = {"type": "string", "pattern": SLUG_PATTERN, "maxLength": 80}
_GOAL = {"type": "integer", "minimum": 1, "maximum": MAX_GOAL}


def plan_filter(field_name: str, **kwargs):
    return documented(_SLUG)(
        SlugFilter(field_name=field_name, help_text="The plan's slug.", **kwargs)
    )


def goal_filter(field_name: str):
    return documented(_GOAL)(
        IntegerFilter(
            field_name=field_name,
            min_value=1,
            max_value=MAX_GOAL,
            help_text="The goal's number within its plan.",
        )
    )


class GoalFilter(filters.FilterSet):
    plan = plan_filter("plan__slug")
    pillar = filters.ChoiceFilter(choices=Pillar.choices)

    class Meta:
        model = Goal
        fields = []


class SubgoalFilter(filters.FilterSet):
    plan = plan_filter("goal__plan__slug")
    goal = goal_filter("goal__number")

    class Meta:
        model = Subgoal
        fields = []


class IndicatorFilter(filters.FilterSet):
    plan = plan_filter("plan__slug")
    goal = goal_filter("goal__number")
    kind = filters.ChoiceFilter(choices=Indicator.Kind.choices)

    class Meta:
        model = Indicator
        fields = []


class OrganisationFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Organisation.Kind.choices)
    plan = plan_filter("participations__plan__slug", distinct=True)

    class Meta:
        model = Organisation
        fields = []
