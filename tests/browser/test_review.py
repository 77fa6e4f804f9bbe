"""Two coordinators review in the browser: one returns an entry with a comment, the other
approves another and publishes the round, and the dashboard shows it published."""

import pytest
from playwright.sync_api import expect

from reporting import workflow
from reporting.models import ProgressEntry
from tests.factories import IndicatorFactory, ResponsibilityFactory
from tests.otp import pass_second_factor
from tests.roles import build_world

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


def submitted(world, indicator, text):
    entry = workflow.start_entry(
        acting_user=world.editor,
        round_=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=indicator,
    )
    entry = ProgressEntry.objects.get(pk=entry.pk)
    entry.narrative_nl = text
    workflow.save_entry(acting_user=world.editor, entry=entry, expected_version=entry.version)
    return workflow.submit_entry(acting_user=world.focal, entry=entry)


def log_in(browser, live_server, username, next_path):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}{next_path}")
    # Not logged in: the portal's own login page, not the admin's (coordinators are no staff).
    expect(page).to_have_url(f"{live_server.url}/en/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator(".login-form").get_by_role("button", name="Log in").click()
    pass_second_factor(page, username)
    expect(page).to_have_url(f"{live_server.url}{next_path}")
    return context, page


def test_return_approve_publish_and_see_it_on_the_dashboard(live_server, browser, tmp_path):
    world = build_world()
    second = IndicatorFactory(goal=world.goal, code="1.b", text_en="Women in peace talks")
    ResponsibilityFactory(organisation=world.ministry, goal=world.goal, indicator=second)
    to_return = submitted(world, world.indicator, "<p>Zonder bron.</p>")
    to_approve = submitted(world, second, "<p>Twaalf vrouwen aan tafel.</p>")
    queue = f"/en/coordination/{world.plan.slug}/{world.round.year}/review/"

    # The first coordinator returns an entry with a comment.
    context, page = log_in(browser, live_server, "coordinator", queue)
    expect(page.get_by_role("heading", level=1)).to_have_text("Submitted entries, round 2022")
    expect(page.locator("table.queue tbody tr")).to_have_count(2)
    page.locator("table.queue tbody tr", has_text="1.a").get_by_role("link").click()
    expect(page.locator("#entry-status")).to_have_text("Submitted")
    expect(page.get_by_text("Zonder bron.")).to_be_visible()
    page.get_by_role("button", name="Return").click()  # without a comment: the browser refuses
    expect(page.locator("#entry-status")).to_have_text("Submitted")
    page.get_by_label("What needs to change").fill("Noem de bron van het cijfer.")
    page.get_by_role("button", name="Return").click()
    expect(page.locator(".message-success")).to_contain_text("The entry was returned")
    expect(page.locator("#entry-status")).to_have_text("Returned for revision")
    expect(page.locator(".comments")).to_contain_text("Noem de bron van het cijfer.")
    expect(page.locator("#review-refusal")).to_have_text("Only submitted entries can be reviewed.")
    page.screenshot(path=str(tmp_path / "returned.png"), full_page=True)
    context.close()

    # The second coordinator approves the other entry and publishes the round now.
    context, page = log_in(browser, live_server, "coordinator2", queue)
    expect(page.locator("table.queue tbody tr")).to_have_count(1)
    page.locator("table.queue tbody tr", has_text="1.b").get_by_role("link").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".message-success")).to_have_text("The entry was approved.")
    expect(page.locator("#entry-status")).to_have_text("Approved")

    page.get_by_role("link", name="Rounds").click()
    round_card = page.locator("#round-2022")
    expect(round_card).to_contain_text("Publication makes the 1 approved entry public.")
    round_card.get_by_role("button", name="Publish now").click()
    expect(page.locator(".message-success")).to_have_text("The 2022 round is published.")
    expect(page.locator("#round-2022 .badge")).to_have_text("Published")

    page.locator("#round-2022").get_by_role("link", name="Completeness").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Completeness of the 2022 round")
    table = page.locator("#table-government-status")
    headers = table.locator("thead th").all_inner_texts()
    published_column = headers.index("Published")
    returned_column = headers.index("Returned for revision")
    ministry_row = table.locator("tbody tr").first
    expect(ministry_row.locator("th")).to_have_text(world.ministry.name_en)
    cells = ministry_row.locator("th, td")
    expect(cells.nth(published_column)).to_have_text("1")
    expect(cells.nth(returned_column)).to_have_text("1")
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    ministry_row.get_by_role("link").click()
    items = page.locator("table.cell-items tbody tr")
    expect(items.filter(has_text="1.b")).to_contain_text("Published")
    expect(items.filter(has_text="1.a")).to_contain_text("Returned for revision")
    context.close()

    assert ProgressEntry.objects.get(pk=to_approve.pk).status == "published"
    assert ProgressEntry.objects.get(pk=to_return.pk).status == "returned"
