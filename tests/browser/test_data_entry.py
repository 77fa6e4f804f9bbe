"""End to end in Chromium: an editor fills in two entries in the workspace, the focal point
submits them to the coordinator."""

import re

import pytest

from reporting.models import Example, ProgressEntry
from tests.factories import CategoryFactory, IndicatorFactory, ResponsibilityFactory
from tests.otp import pass_second_factor
from tests.roles import build_world

PASSWORD = "correct horse battery staple"


@pytest.fixture
def world(transactional_db):
    world = build_world()
    counted = IndicatorFactory(
        goal=world.goal, code="1.b", kind="count", text_nl="Aantal vredesprocessen"
    )
    for n, label in enumerate(["Nationaal niveau", "Lokaal niveau"]):
        CategoryFactory(indicator=counted, code=f"c{n}", position=n, label_nl=label)
    told = IndicatorFactory(
        goal=world.goal, code="1.c", kind="qualitative", text_nl="Verhalen van vredesactivisten"
    )
    for indicator in (counted, told):
        ResponsibilityFactory(organisation=world.ministry, goal=world.goal, indicator=indicator)
    world.counted, world.told = counted, told
    return world


def log_in(page, base_url, username):
    page.goto(base_url + "/en/report/")
    assert "/en/report/login/" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    pass_second_factor(page, username)
    page.wait_for_url(re.compile(r"/en/report/$"))


def open_from_worklist(page, code):
    row = page.locator("tr.ws-item", has=page.locator(".ws-code", has_text=re.compile(f"^{code}$")))
    row.get_by_role("button").click()
    page.wait_for_url(re.compile(r"/reporting/progressentry/\d+/change/$"))


def rich_text(page, textarea_id):
    return page.locator(f"#{textarea_id} ~ .ws-richtext .ql-editor")


def test_an_editor_fills_in_entries_and_the_focal_point_submits(live_server, browser, page, world):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server.url, "editor")
    assert page.locator("h1", has_text="Worklist").is_visible()
    assert page.locator("tr.ws-item-not_started").count() == 3

    # A quantitative indicator: one figure per category, and a total.
    open_from_worklist(page, "1.b")
    national, local = world.counted.categories.order_by("position")
    page.fill(f"input[name=value_{national.pk}]", "3")
    page.fill(f"input[name=value_{local.pk}]", "4")
    page.fill("input[name=value_total]", "7")
    editor = rich_text(page, "id_narrative_nl")
    editor.click()
    page.keyboard.type("Zeven vredesprocessen met vrouwen aan tafel.")
    page.click("input[name=_continue]")

    page.wait_for_load_state()
    assert "Saved" in page.locator(".messagelist").inner_text()
    assert page.input_value(f"input[name=value_{national.pk}]") == "3"
    assert page.input_value(f"input[name=value_{local.pk}]") == "4"
    assert page.input_value("input[name=value_total]") == "7"
    assert "Zeven vredesprocessen" in rich_text(page, "id_narrative_nl").inner_text()
    entry = ProgressEntry.objects.get(indicator=world.counted)
    assert dict(entry.values.values_list("category_id", "value")) == {
        national.pk: 3,
        local.pk: 4,
        None: 7,
    }

    # A qualitative indicator: rich text and a structured example.
    page.click(".breadcrumbs a")
    open_from_worklist(page, "1.c")
    editor = rich_text(page, "id_narrative_nl")
    editor.click()
    page.keyboard.type("In drie landen ")
    page.keyboard.press("Control+b")
    page.keyboard.type("vrouwelijke bemiddelaars")
    page.keyboard.press("Control+b")
    page.keyboard.type(" getraind.")
    page.fill("input[name='examples-0-title_nl']", "Mediation in Jemen")
    page.select_option("select[name='examples-0-country']", "YE")
    page.fill("input[name='examples-0-partner']", "Women Mediators Network")
    rich_text(page, "id_examples-0-description_nl").click()
    page.keyboard.type("Twintig bemiddelaars in Aden.")
    page.click("input[name=_continue]")

    page.wait_for_load_state()
    assert "Saved" in page.locator(".messagelist").inner_text()
    assert "vrouwelijke bemiddelaars" in rich_text(page, "id_narrative_nl").inner_text()
    assert page.input_value("input[name='examples-0-title_nl']") == "Mediation in Jemen"
    told = ProgressEntry.objects.get(indicator=world.told)
    assert told.narrative_nl == (
        "<p>In drie landen <strong>vrouwelijke bemiddelaars</strong> getraind.</p>"
    )
    example = Example.objects.get(entry=told)
    assert (example.title_nl, example.country.code) == ("Mediation in Jemen", "YE")
    assert example.description_nl == "<p>Twintig bemiddelaars in Aden.</p>"
    assert not errors

    # The focal point logs in and submits both drafts.
    focal_context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    focal = focal_context.new_page()
    focal.set_default_timeout(15_000)
    try:
        log_in(focal, live_server.url, "focal")
        focal.get_by_role("button", name="Submit all drafts to the coordinator").click()
        focal.wait_for_load_state()
        assert "2 entries" in focal.locator(".messagelist").inner_text()
        assert focal.locator("tr.ws-item-submitted").count() == 2
        screenshot = focal.screenshot(full_page=True)
        assert screenshot[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        focal_context.close()
    assert set(ProgressEntry.objects.values_list("status", flat=True)) == {"submitted"}
