"""Before an idle session ends, an alert dialog offers to stay logged in; when it has ended,
text typed into the entry form is kept in the tab and put back after logging in again."""

import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from reporting import workflow
from tests.otp import pass_second_factor
from tests.roles import build_world

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


@pytest.fixture
def short_sessions(settings):
    # Thirty seconds idle, the warning 26 seconds before the end: it comes 4 seconds after a
    # page has loaded.
    settings.SESSION_COOKIE_AGE = 30
    settings.SESSION_WARNING_SECONDS = 26


@pytest.fixture
def entry_path():
    world = build_world()
    entry = workflow.start_entry(
        acting_user=world.editor,
        round_=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
    )
    return f"/en/report/reporting/progressentry/{entry.pk}/change/"


def log_in(page, username="editor"):
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "[type=submit]"
    ).click()
    pass_second_factor(page, username)


def test_the_warning_dialog_keeps_the_session(live_server, page, short_sessions, entry_path):
    page.goto(live_server.url + entry_path)
    log_in(page)
    page.wait_for_url(live_server.url + entry_path)

    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible(timeout=15_000)
    expect(dialog.get_by_role("heading")).to_have_text("You will soon be logged out")
    stay = dialog.get_by_role("button", name="Stay logged in")
    expect(stay).to_be_focused()

    with page.expect_response("**/accounts/keepalive/") as keepalive:
        stay.click()
    assert keepalive.value.status == 200
    assert 20 <= keepalive.value.json()["expires_in"] <= 30
    expect(dialog).to_be_hidden()
    # Still logged in.
    page.goto(live_server.url + "/en/report/")
    expect(page).to_have_url(live_server.url + "/en/report/")


def test_text_typed_when_the_session_ends_is_back_after_logging_in(
    live_server, page, short_sessions, entry_path
):
    page.goto(live_server.url + entry_path)
    log_in(page)
    page.wait_for_url(live_server.url + entry_path)
    editor = page.locator(".ws-richtext .ql-editor").first
    editor.click()
    page.keyboard.type("Tekst die niet verloren mag gaan.")

    # The session ends on the server (as after 30 idle minutes elsewhere, or a restart).
    Session.objects.all().delete()

    dialog = page.get_by_role("alertdialog")
    expect(dialog.get_by_role("heading")).to_have_text("You have been logged out", timeout=15_000)
    login = dialog.get_by_role("button", name="Log in again")
    expect(login).to_be_focused()
    login.click()

    page.wait_for_url(re.compile(r"/en/accounts/login/\?next="))
    log_in(page)
    page.wait_for_url(live_server.url + entry_path)
    expect(page.locator(".ws-richtext .ql-editor").first).to_contain_text(
        "Tekst die niet verloren mag gaan."
    )
    expect(page.get_by_role("status").filter(has_text="has been put back")).to_be_visible()
