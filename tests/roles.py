"""Named test users for every role, on one plan with a coordinating and a reporting ministry."""

from dataclasses import dataclass

from accounts.models import Membership
from indicators.models import PlanOrganisation
from tests.factories import (
    GoalFactory,
    IndicatorFactory,
    MembershipFactory,
    OrganisationFactory,
    PlanFactory,
    ResponsibilityFactory,
    RoundFactory,
    UserFactory,
)


@dataclass
class World:
    plan: object
    round: object
    coordinating: object
    ministry: object
    other: object
    goal: object
    indicator: object
    editor: object
    focal: object
    other_editor: object
    coordinator: object
    second_coordinator: object
    board: object
    inactive: object


def build_world(*, deadline=None, state="open") -> World:
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    plan = PlanFactory()
    round_ = RoundFactory(
        plan=plan,
        year=2022,
        opens_on=today - datetime.timedelta(days=30),
        deadline=deadline or today + datetime.timedelta(days=30),
        state=state,
    )
    coordinating = OrganisationFactory(slug="bz")
    ministry = OrganisationFactory(slug="def")
    other = OrganisationFactory(slug="jenv")
    civil_society = OrganisationFactory(slug="wo-men", kind="civil_society")
    PlanOrganisation.objects.create(plan=plan, organisation=coordinating, role="coordinator")
    PlanOrganisation.objects.create(plan=plan, organisation=civil_society, role="co_coordinator")
    for organisation in (ministry, other):
        PlanOrganisation.objects.create(plan=plan, organisation=organisation, role="signatory")
    goal = GoalFactory(plan=plan, number=1)
    indicator = IndicatorFactory(goal=goal, code="1.a")
    for organisation in (ministry, other):
        ResponsibilityFactory(organisation=organisation, goal=goal, indicator=indicator)

    def member(username, organisation, role, **extra):
        user = UserFactory(username=username, **extra)
        MembershipFactory(user=user, organisation=organisation, role=role)
        return user

    return World(
        plan=plan,
        round=round_,
        coordinating=coordinating,
        ministry=ministry,
        other=other,
        goal=goal,
        indicator=indicator,
        editor=member("editor", ministry, Membership.Role.EDITOR),
        focal=member("focal", ministry, Membership.Role.FOCAL_POINT),
        other_editor=member("other-editor", other, Membership.Role.EDITOR),
        coordinator=member("coordinator", coordinating, Membership.Role.COORDINATOR),
        second_coordinator=member("coordinator2", coordinating, Membership.Role.COORDINATOR),
        board=member("board", civil_society, Membership.Role.BOARD),
        inactive=member("inactive", ministry, Membership.Role.EDITOR, is_active=False),
    )
