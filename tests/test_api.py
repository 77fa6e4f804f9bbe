"""The open data API: read-only public data, the portal's filters, strict parameters, fixed
query counts, anonymous throttling and a schema without warnings."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.factories import (
    CategoryFactory,
    GoalFactory,
    IndicatorFactory,
    OrganisationFactory,
    PlanFactory,
    PlanOrganisationFactory,
    SubgoalFactory,
)
from tests.test_public_entries import SECRET, World

pytestmark = pytest.mark.django_db

LISTS = ["plans", "goals", "subgoals", "indicators", "organisations", "entries"]


@pytest.fixture(autouse=True)
def fresh_throttle(settings):
    """Each test starts with an empty throttle history and no limit unless it sets one."""
    settings.API_ANON_THROTTLE_RATE = ""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    world = World()
    PlanOrganisationFactory(plan=world.plan)
    return world


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_every_endpoint_is_open_to_anonymous_readers(client, world):
    world.add_entries(1)
    assert client.get("/api/").status_code == 200
    for name in LISTS:
        response = client.get(f"/api/{name}/")
        assert response.status_code == 200, name
        assert response.json()["count"] >= 1, name


def test_the_api_is_read_only(client, world):
    [entry] = world.add_entries(1)
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(f"/api/entries/{entry.pk}/", {})
        assert response.status_code == 405


def test_entry_detail_has_values_examples_and_references(client, world):
    [entry] = world.add_entries(1)
    data = client.get(f"/api/entries/{entry.pk}/").json()
    assert data["plan"] == "nap-test"
    assert data["year"] == 2021
    assert data["goal"] == 1
    assert data["subgoal"] == "1.a"
    assert data["indicator"] == "1.a.1"
    assert data["values"] == [
        {"category": None, "value": "12.00"},
        {"category": "local", "value": "5.00"},
        {"category": "national", "value": "7.00"},
    ]
    assert data["examples"][0]["title"] == "Voorbeeldproject"
    assert data["references"][0]["url"] == "https://example.org/"
    assert data["narrative_language"] == "nl"


def test_entries_use_the_portal_filters(client, world):
    defence = OrganisationFactory(slug="def")
    [mine] = world.add_entries(1, organisation=defence, narrative_nl="<p>Vrouwen</p>")
    world.add_entries(2)
    assert [e["id"] for e in results(client.get("/api/entries/?organisation=def"))] == [mine.pk]
    assert [e["id"] for e in results(client.get("/api/entries/?q=Vrouwen&year=2021"))] == [mine.pk]
    assert results(client.get("/api/entries/?year=2022")) == []
    assert len(results(client.get("/api/entries/?pillar=participation&kind=count"))) == 3


def test_framework_endpoints_filter(client, world):
    other = PlanFactory(slug="other")
    GoalFactory(plan=other, number=1, pillar="prevention")
    assert [g["plan"] for g in results(client.get("/api/goals/?plan=nap-test"))] == ["nap-test"]
    assert [g["plan"] for g in results(client.get("/api/goals/?pillar=prevention"))] == ["other"]
    assert [s["code"] for s in results(client.get("/api/subgoals/?plan=nap-test&goal=1"))] == [
        "1.a"
    ]
    indicators = results(client.get("/api/indicators/?plan=nap-test&kind=count"))
    assert [i["code"] for i in indicators] == ["1.a.1"]
    assert [c["code"] for c in indicators[0]["categories"]] == ["local", "national"]
    organisations = results(client.get("/api/organisations/?plan=nap-test&kind=ministry"))
    assert len(organisations) == 1


def test_language_by_parameter_or_header(client, world):
    world.add_entries(1, organisation=OrganisationFactory(name_nl="Ministerie", name_en="Ministry"))
    assert results(client.get("/api/entries/?lang=en"))[0]["organisation"]["name"] == "Ministry"
    assert results(client.get("/api/entries/?lang=nl"))[0]["organisation"]["name"] == "Ministerie"
    response = client.get("/api/entries/", headers={"accept-language": "en"})
    assert results(response)[0]["organisation"]["name"] == "Ministry"
    assert response["Content-Language"] == "en"
    # A text missing in French falls back to the plan's language (Dutch), and says so.
    response = client.get("/api/entries/?lang=fr", headers={"accept-language": "en"})
    assert response["Content-Language"] == "fr"
    assert results(response)[0]["narrative_language"] == "nl"
    # The parameter holds for that request only.
    assert translation.get_language() == "en"


@pytest.mark.parametrize(
    "url",
    [
        "/api/entries/?year=abc",
        "/api/entries/?year=99999999999999999999",
        "/api/entries/?q=%00",
        "/api/entries/?subgoal=1%00",
        "/api/entries/?plan=bad%00slug",
        "/api/entries/?organisation=" + "x" * 200,
        "/api/entries/?pillar=%00",
        "/api/entries/?goal=-1",
        "/api/entries/?lang=de",
        "/api/entries/?lang=%00",
        "/api/entries/?page=%00",
        "/api/entries/?page=0",
        "/api/entries/?page_size=abc",
        "/api/entries/?page_size=100000",
        "/api/goals/?plan=x%00",
        "/api/subgoals/?goal=%00",
        "/api/indicators/?kind=%00",
        "/api/organisations/?kind=nonsense",
        "/api/plans/?lang=%00",
        "/api/entries/?year=",
        "/api/entries/abc/",
        "/api/entries/1%00/",
        "/api/plans/no%00such/",
        "/api/organisations/%F0%9F%92%A9/",
    ],
)
def test_malformed_parameters_and_ids_give_400(client, world, url):
    response = client.get(url)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "url",
    [
        "/api/entries/99999999999999999999999/",
        "/api/entries/-5/",
        "/api/entries/123456/",
        "/api/plans/no-such-plan/",
        "/api/plans/" + "x" * 100 + "/",
        "/api/nothing/here/",
        "/api/entries/?page=999",
    ],
)
def test_unknown_ids_give_a_json_404(client, world, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_unpublished_data_is_on_no_endpoint(client, world):
    world.add_entries(1)
    hidden = world.add_unpublished()
    hidden_ids = {entry.pk for entry in hidden}
    for name in LISTS:
        for query in ("", "?page_size=200", "?plan=secret-plan", "?q=" + SECRET):
            response = client.get(f"/api/{name}/{query}")
            if response.status_code == 200:
                assert SECRET not in response.content.decode(), (name, query)
    listed = {e["id"] for e in results(client.get("/api/entries/?page_size=200"))}
    assert not listed & hidden_ids
    for entry in hidden:
        assert client.get(f"/api/entries/{entry.pk}/").status_code == 404
    assert client.get("/api/plans/secret-plan/").status_code == 404
    assert client.get(f"/api/goals/{hidden[-1].goal_id}/").status_code == 404


def add_framework(world, count):
    """More goals, subgoals, indicators and organisations in the same public plan."""
    for number in range(10 + len(world.entries), 10 + len(world.entries) + count):
        goal = GoalFactory(plan=world.plan, number=number)
        subgoal = SubgoalFactory(goal=goal, number=f"{number}.a")
        indicator = IndicatorFactory(goal=goal, subgoal=subgoal)
        CategoryFactory(indicator=indicator)
        PlanOrganisationFactory(plan=world.plan)


@pytest.mark.parametrize("name", LISTS)
def test_lists_have_a_fixed_number_of_queries(client, world, name):
    world.add_entries(1)
    add_framework(world, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(f"/api/{name}/").status_code == 200
    world.add_entries(9)
    add_framework(world, 9)
    PlanFactory()
    with CaptureQueriesContext(connection) as ten:
        response = client.get(f"/api/{name}/")
    assert response.status_code == 200
    assert len(ten) == len(one), [q["sql"] for q in ten.captured_queries]


@pytest.mark.parametrize(
    ("name", "lookup"),
    [
        ("plans", lambda w: w.plan.slug),
        ("goals", lambda w: w.goal.pk),
        ("subgoals", lambda w: w.subgoal.pk),
        ("indicators", lambda w: w.indicator.pk),
        ("organisations", lambda w: w.entries[0].organisation.slug),
        ("entries", lambda w: w.entries[0].pk),
    ],
)
def test_details_have_a_fixed_number_of_queries(
    client, world, name, lookup, django_assert_max_num_queries
):
    world.add_entries(1)
    # One query for the object, plus prefetches: categories (indicators) or values, examples
    # and references (entries).
    expected = {"indicators": 2, "entries": 4}.get(name, 1)
    with django_assert_max_num_queries(expected):
        assert client.get(f"/api/{name}/{lookup(world)}/").status_code == 200


def test_anonymous_clients_are_throttled(client, world, settings):
    settings.API_ANON_THROTTLE_RATE = "3/minute"
    for _ in range(3):
        assert client.get("/api/plans/").status_code == 200
    response = client.get("/api/plans/")
    assert response.status_code == 429
    assert "Retry-After" in response
    # Another address has its own allowance.
    assert client.get("/api/plans/", REMOTE_ADDR="10.1.2.3").status_code == 200
    # A forged X-Forwarded-For does not make a new client...
    forged = {"HTTP_X_FORWARDED_FOR": "192.0.2.55"}
    assert client.get("/api/plans/", **forged).status_code == 429
    # ...but behind our own proxy the forwarded address is the client.
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert client.get("/api/plans/", **forged).status_code == 200


def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/entries/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    content = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in content
    assert "https://" not in content and "<style" not in content
    assert "<script>" not in content


def test_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in LISTS:
        assert f"/api/{path}/" in text
