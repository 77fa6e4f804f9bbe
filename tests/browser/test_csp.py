"""With the Content Security Policy on, the pages people work in break nothing: no violation is
reported on the public home, the login steps, the workspace entry form with its rich-text
editor, the coordination pages and the Django admin."""

import re

import pytest
from playwright.sync_api import expect

from reporting import workflow
from tests.factories import UserFactory
from tests.otp import pass_second_factor
from tests.roles import build_world

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"

# Collects every violation the browser reports, from the first script on each page on.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(
    event.violatedDirective + " blocked " + (event.blockedURI || "inline") + " at " +
    event.sourceFile + ":" + event.lineNumber
  );
});
"""


@pytest.fixture
def watched(page):
    """The page, and a function that returns the violations seen so far on the current page
    plus every CSP message in the console since the start."""
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(LISTEN)

    def violations():
        return page.evaluate("window.__cspViolations || []") + console + errors

    return page, violations


def log_in(page, base_url, username, next_path, login_path="/en/accounts/login/"):
    page.goto(base_url + next_path)
    page.wait_for_url(re.compile(re.escape(login_path)))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "[type=submit]"
    ).click()
    pass_second_factor(page, username)
    page.wait_for_url(base_url + next_path)


def test_public_pages_and_login_steps_report_no_violation(live_server, watched):
    page, violations = watched
    world = build_world()
    for path in ("/en/", f"/en/plans/{world.plan.slug}/", "/en/accounts/login/", "/api/docs/"):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        assert violations() == [], path
    # The enrolment page with its inline SVG QR code.
    UserFactory(username="newcomer", is_staff=True)
    page.goto(live_server.url + "/en/accounts/login/?next=/en/admin/")
    page.fill("input[name=username]", "newcomer")
    page.fill("input[name=password]", PASSWORD)
    page.locator(".login-form [type=submit]").click()
    page.wait_for_url(re.compile(r"/en/accounts/two-factor/setup/"))
    expect(page.locator(".otp-qr svg")).to_be_visible()
    assert violations() == []

    # The listener does catch what the policy forbids: an inline script and an inline style.
    page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "window.inlineRan = true";
        document.body.appendChild(script);
        document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>');
    }"""
    )
    page.wait_for_function("window.__cspViolations.length >= 2")
    assert page.evaluate("window.inlineRan") is None
    found = " ".join(violations())
    assert "script-src" in found and "style-src" in found


def test_the_workspace_entry_form_and_its_editor_report_no_violation(live_server, watched):
    page, violations = watched
    world = build_world()
    entry = workflow.start_entry(
        acting_user=world.editor,
        round_=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
    )
    log_in(page, live_server.url, "editor", "/en/report/", login_path="/en/report/login/")
    assert violations() == []
    page.goto(f"{live_server.url}/en/report/reporting/progressentry/{entry.pk}/change/")
    editor = page.locator(".ws-richtext .ql-editor").first
    expect(editor).to_be_visible()
    editor.click()
    page.keyboard.type("Twaalf vrouwen aan tafel. ")
    page.locator(".ql-toolbar .ql-bold").first.click()
    page.keyboard.type("Vet.")
    # The link tooltip is placed with inline styles set from script: allowed by style-src.
    page.keyboard.press("Shift+Home")
    page.locator(".ql-toolbar .ql-link").first.click()
    expect(page.locator(".ql-tooltip.ql-editing").first).to_be_visible()
    page.keyboard.press("Escape")
    assert violations() == []


def test_coordination_and_admin_pages_report_no_violation(live_server, watched):
    page, violations = watched
    world = build_world()
    log_in(page, live_server.url, "coordinator", "/en/coordination/")
    plan = f"/en/coordination/{world.plan.slug}/"
    for path in (plan, f"{plan}{world.round.year}/review/"):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert violations() == [], path

    UserFactory(username="root", is_staff=True, is_superuser=True)
    page.context.clear_cookies()
    log_in(page, live_server.url, "root", "/en/admin/", login_path="/en/admin/login/")
    for path in ("/en/admin/", "/en/admin/accounts/user/", "/en/admin/accounts/user/add/"):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert violations() == [], path
