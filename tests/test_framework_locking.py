"""The plan framework (plans, goals, subgoals, indicators, categories, organisations) edited in
the Django admin: a save made on a stale page is refused with the typed text kept, so two
administrators never silently overwrite each other; a load raises the version too."""

import pytest
from django.urls import reverse

from indicators.models import Goal
from indicators.services import upsert_goal
from tests.adminforms import form_data
from tests.factories import (
    CategoryFactory,
    GoalFactory,
    IndicatorFactory,
    OrganisationFactory,
    PlanFactory,
    SubgoalFactory,
)

pytestmark = pytest.mark.django_db

CASES = [
    (PlanFactory, "title_en"),
    (OrganisationFactory, "name_en"),
    (GoalFactory, "title_en"),
    (SubgoalFactory, "title_en"),
    (IndicatorFactory, "text_en"),
    (CategoryFactory, "label_en"),
]


@pytest.mark.parametrize(
    ("factory", "field"), CASES, ids=[f._meta.model.__name__ for f, _field in CASES]
)
def test_a_stale_admin_page_cannot_overwrite_a_newer_save(client, admin_user, factory, field):
    obj = factory()
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    client.force_login(admin_user)
    first, second = client.get(url), client.get(url)

    saved = client.post(url, form_data(first, **{field: "Saved first"}))
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    stale = client.post(url, form_data(second, **{field: "Typed on the stale page"}))

    assert stale.status_code == 200
    form = stale.context["adminform"].form
    assert "while you were editing" in str(form.non_field_errors())
    assert "Typed on the stale page" in stale.content.decode()  # nothing typed is lost
    obj.refresh_from_db()
    assert getattr(obj, field) == "Saved first"
    assert obj.version == 2


def test_loading_a_changed_goal_raises_its_version():
    goal = GoalFactory(title_nl="Oud")
    upsert_goal(plan=goal.plan, number=goal.number, pillar=goal.pillar, title={"nl": "Oud"})
    assert Goal.objects.get(pk=goal.pk).version == 1  # unchanged: nothing written
    upsert_goal(plan=goal.plan, number=goal.number, pillar=goal.pillar, title={"nl": "Nieuw"})
    assert Goal.objects.get(pk=goal.pk).version == 2
