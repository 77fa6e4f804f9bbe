"""Every model is in the admin, and its pages work with a fixed number of queries."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reporting.models import (
    CoverLetter,
    EntryComment,
    EntryTransition,
    Example,
    LockException,
    Reference,
)
from tests.factories import (
    CategoryFactory,
    EntryFactory,
    IndicatorFactory,
    MembershipFactory,
    PlanOrganisationFactory,
    ResponsibilityFactory,
    SubgoalFactory,
    UserFactory,
    ValueFactory,
)

pytestmark = pytest.mark.django_db

APPS = ("accounts", "indicators", "reporting")
# Historical copies are shown through their model's history page, not on their own.
MODELS = [
    model
    for app in APPS
    for model in apps.get_app_config(app).get_models()
    if not model.__name__.startswith("Historical")
]


READ_ONLY = {"entrytransition", "entrycomment", "lockexception"}


def make_data(n):
    for _ in range(n):
        entry = EntryFactory()
        subgoal = SubgoalFactory(goal=entry.goal)
        indicator = IndicatorFactory(goal=entry.goal, subgoal=subgoal)
        CategoryFactory(indicator=indicator)
        ValueFactory(
            entry=EntryFactory(
                round=entry.round, goal=entry.goal, indicator=indicator, subgoal=subgoal
            )
        )
        ResponsibilityFactory(goal=entry.goal, organisation=entry.organisation)
        PlanOrganisationFactory(plan=entry.round.plan, organisation=entry.organisation)
        MembershipFactory(organisation=entry.organisation)
        letter = CoverLetter.objects.create(round=entry.round, subject_nl="Voortgang")
        letter.signatures.create(title_nl="De minister", name="A. Minister")
        Reference.objects.create(
            entry=entry, kind="parliamentary_paper", citation="26 150, nr. 190"
        )
        Example.objects.create(entry=entry, title_nl="Shelter City", country="NL")
        entry.round.plan.narratives.create(goal=entry.goal, kind="closing", title_nl="Terugblik")
        actor = UserFactory()
        EntryTransition.objects.create(entry=entry, to_status="submitted", actor=actor)
        EntryComment.objects.create(entry=entry, author=actor, text="Graag een bron.")
        LockException.objects.create(
            entry=entry, granted_by=actor, reason="Correctie", expires_at=timezone.now()
        )


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_model_is_registered(model):
    assert admin.site.is_registered(model)


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_changelist_has_a_fixed_number_of_queries(admin_client, model):
    make_data(1)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(changelist(model)).status_code == 200
    make_data(5)
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(changelist(model)).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_add_and_change_pages_open(admin_client, model):
    make_data(1)
    meta = model._meta
    add_url = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
    # Workflow records are written only by the workflow, never by hand.
    expected = 403 if meta.model_name in READ_ONLY else 200
    assert admin_client.get(add_url).status_code == expected
    obj = model.objects.first()
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    assert admin_client.get(url).status_code == 200


def test_admin_search_and_filters_work(admin_client):
    make_data(2)
    from indicators.models import Indicator

    indicator = Indicator.objects.first()
    response = admin_client.get(changelist(Indicator), {"q": indicator.code, "kind": "count"})
    assert response.status_code == 200
    assert indicator.code in response.content.decode()
