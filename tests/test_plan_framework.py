"""The plan model holds plans of any shape."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from indicators.models import Indicator, Plan, Responsibility
from tests.factories import (
    GoalFactory,
    IndicatorFactory,
    OrganisationFactory,
    PlanFactory,
    SubgoalFactory,
)

pytestmark = pytest.mark.django_db


def test_plan_without_subgoals_takes_indicators_on_its_goals():
    plan = PlanFactory(country="BE", language="fr", short_name="PAN-3")
    goals = [GoalFactory(plan=plan, number=n) for n in range(1, 7)]
    indicator = IndicatorFactory(goal=goals[0], subgoal=None, code="1.1")
    indicator.full_clean()

    assert plan.goals.count() == 6
    assert not plan.goals.filter(subgoals__isnull=False).exists()
    assert list(goals[0].indicators.all()) == [indicator]


def test_organisation_reports_on_a_goal_without_naming_an_indicator():
    goal = GoalFactory()
    defence = OrganisationFactory(slug="def")
    responsibility = Responsibility(organisation=defence, goal=goal)
    responsibility.full_clean()
    responsibility.save()

    assert defence.responsibilities.get().indicator is None


def test_responsibility_cannot_be_recorded_twice_on_the_same_goal():
    goal = GoalFactory()
    organisation = OrganisationFactory()
    Responsibility.objects.create(organisation=organisation, goal=goal)
    with pytest.raises(IntegrityError), transaction.atomic():
        Responsibility.objects.create(organisation=organisation, goal=goal)


def test_indicator_on_a_subgoal_takes_its_goal_and_plan_from_the_subgoal():
    subgoal = SubgoalFactory()
    indicator = Indicator(subgoal=subgoal, code="1.1.a", kind="count", text_nl="Aantal")
    indicator.full_clean()

    assert indicator.goal == subgoal.goal
    assert indicator.plan == subgoal.goal.plan


def test_indicator_subgoal_must_belong_to_its_goal():
    indicator = IndicatorFactory.build(
        goal=GoalFactory(), subgoal=SubgoalFactory(), code="x", kind="count"
    )
    with pytest.raises(ValidationError) as excinfo:
        indicator.full_clean()
    assert "subgoal" in excinfo.value.message_dict


def test_indicator_codes_are_unique_within_a_plan():
    existing = IndicatorFactory(code="1.a")
    duplicate = Indicator(goal=existing.goal, code="1.a", kind="count", text_nl="Ander")
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "code" in excinfo.value.message_dict


@pytest.mark.parametrize(
    ("kind", "field", "value", "message"),
    [
        ("percentage", "target", 101, "between 0 and 100"),
        ("count", "baseline", -1, "negative"),
        ("qualitative", "target", 5, "qualitative"),
    ],
)
def test_indicator_baseline_and_target_fit_its_kind(kind, field, value, message):
    indicator = IndicatorFactory.build(goal=GoalFactory(), kind=kind, **{field: value})
    indicator.plan = indicator.goal.plan
    with pytest.raises(ValidationError) as excinfo:
        indicator.full_clean()
    assert message in str(excinfo.value.message_dict[field])


def test_amount_indicator_needs_a_currency():
    indicator = IndicatorFactory.build(goal=GoalFactory(), kind="amount", currency="")
    with pytest.raises(ValidationError) as excinfo:
        indicator.full_clean()
    assert "currency" in excinfo.value.message_dict


def test_plan_accepts_regional_bodies_and_rejects_unknown_countries():
    nato = PlanFactory.build(country="NATO", slug="nato-2")
    nato.full_clean()
    with pytest.raises(ValidationError):
        PlanFactory.build(country="XX", slug="xx").full_clean()


def test_plan_period_must_be_ordered():
    with pytest.raises(ValidationError):
        PlanFactory.build(first_year=2025, last_year=2021).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanFactory(first_year=2025, last_year=2021)


def test_edition_is_shown_in_roman_numerals():
    assert PlanFactory.build(edition=4).edition_display == "IV"
    assert Plan(edition=12).edition_display == "XII"
