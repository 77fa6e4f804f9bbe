import datetime

import factory

from accounts.models import Membership, User
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
from reporting.models import ProgressEntry, ProgressValue, ReportingRound


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    slug = factory.Sequence(lambda n: f"org-{n}")
    name_nl = factory.Sequence(lambda n: f"Organisatie {n}")
    name_en = factory.Sequence(lambda n: f"Organisation {n}")
    abbreviation_nl = factory.Sequence(lambda n: f"O{n}")
    kind = Organisation.Kind.MINISTRY


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.EDITOR


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    slug = factory.Sequence(lambda n: f"plan-{n}")
    country = "NL"
    edition = 4
    short_name = factory.Sequence(lambda n: f"NAP-{n}")
    title_nl = "Nationaal Actieplan 1325"
    first_year = 2021
    last_year = 2025
    language = "nl"
    status = Plan.Status.ACTIVE


class PlanOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanOrganisation

    plan = factory.SubFactory(PlanFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = PlanOrganisation.Role.SIGNATORY


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    plan = factory.SubFactory(PlanFactory)
    number = factory.Sequence(lambda n: n + 1)
    title_nl = factory.Sequence(lambda n: f"Strategisch doel {n}")
    pillar = "participation"


class SubgoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subgoal

    goal = factory.SubFactory(GoalFactory)
    number = factory.Sequence(lambda n: f"1.{n + 1}")
    position = factory.Sequence(lambda n: n)
    title_nl = factory.Sequence(lambda n: f"Subdoel {n}")


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    goal = factory.SubFactory(GoalFactory)
    plan = factory.LazyAttribute(lambda o: o.goal.plan)
    subgoal = None
    code = factory.Sequence(lambda n: f"i{n}")
    text_nl = factory.Sequence(lambda n: f"Aantal dingen {n}")
    kind = Indicator.Kind.COUNT


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DisaggregationCategory

    indicator = factory.SubFactory(IndicatorFactory)
    code = factory.Sequence(lambda n: f"cat-{n}")
    label_nl = factory.Sequence(lambda n: f"Categorie {n}")


class ResponsibilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Responsibility

    organisation = factory.SubFactory(OrganisationFactory)
    goal = factory.SubFactory(GoalFactory)


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingRound

    plan = factory.SubFactory(PlanFactory)
    year = 2021
    opens_on = datetime.date(2022, 1, 10)
    deadline = datetime.date(2022, 4, 1)
    state = ReportingRound.State.OPEN


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressEntry

    round = factory.SubFactory(RoundFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    goal = factory.SubFactory(GoalFactory, plan=factory.SelfAttribute("..round.plan"))
    narrative_nl = "<p>Voortgang.</p>"
    status = ProgressEntry.Status.DRAFT


class ValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressValue

    entry = factory.SubFactory(EntryFactory)
    value = 1
