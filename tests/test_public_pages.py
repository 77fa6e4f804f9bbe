"""The public home and plan pages show the plan framework."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    CategoryFactory,
    GoalFactory,
    IndicatorFactory,
    PlanFactory,
    PlanOrganisationFactory,
    SubgoalFactory,
)

pytestmark = pytest.mark.django_db


def build_plan(plan, goals):
    for number in range(1, goals + 1):
        goal = GoalFactory(plan=plan, number=number)
        IndicatorFactory(goal=goal)
        subgoal = SubgoalFactory(goal=goal, number=f"{number}.1")
        CategoryFactory(indicator=IndicatorFactory(goal=goal, subgoal=subgoal))
        PlanOrganisationFactory(plan=plan)


def test_home_lists_public_plans_but_not_drafts(client):
    PlanFactory(title_nl="Zichtbaar plan")
    PlanFactory(title_nl="Concept plan", status="draft")
    content = client.get(reverse("public:home")).content.decode()
    assert "Zichtbaar plan" in content
    assert "Concept plan" not in content


def test_plan_page_shows_goals_subgoals_and_indicators(client):
    plan = PlanFactory()
    build_plan(plan, 2)
    response = client.get(reverse("public:plan", args=[plan.slug]))
    assert response.status_code == 200
    for indicator in plan.indicators.all():
        assert indicator.text_nl in response.content.decode()


def test_draft_plan_page_is_not_found(client):
    plan = PlanFactory(status="draft")
    assert client.get(reverse("public:plan", args=[plan.slug])).status_code == 404


def test_plan_page_has_a_fixed_number_of_queries(client):
    plan = PlanFactory()
    build_plan(plan, 1)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("public:plan", args=[plan.slug]))
    build_plan(plan, 0)  # nothing
    for number in range(2, 8):
        goal = GoalFactory(plan=plan, number=number)
        subgoal = SubgoalFactory(goal=goal, number=f"{number}.1")
        CategoryFactory(indicator=IndicatorFactory(goal=goal, subgoal=subgoal))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("public:plan", args=[plan.slug]))
    assert len(many) == len(few)


def test_fallback_text_carries_its_language(client):
    plan = PlanFactory(title_nl="Nationaal Actieplan", title_en="")
    response = client.get(reverse("public:plan", args=[plan.slug]).replace("/nl/", "/en/"))
    assert '<span lang="nl">Nationaal Actieplan</span>' in response.content.decode()


@pytest.mark.parametrize("language", ["nl", "en", "fr"])
def test_logging_in_keeps_the_language_of_the_login_page(client, language):
    from tests.factories import UserFactory

    UserFactory(username="eva")
    response = client.post(
        f"/{language}/accounts/login/",
        {"username": "eva", "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/{language}/"


def test_header_leads_members_to_their_work_and_no_further():
    from django.test import Client

    from tests.roles import build_world

    world = build_world()
    expectations = {
        world.editor: (True, False),
        world.coordinator: (True, True),
        world.board: (True, True),
    }
    for user, (worklist, coordination) in expectations.items():
        client = Client()
        client.force_login(user)
        html = client.get("/en/").content.decode()
        assert ('href="/en/report/"' in html) is worklist, user
        assert ('href="/en/coordination/"' in html) is coordination, user
    assert 'href="/en/report/"' not in Client().get("/en/").content.decode()
