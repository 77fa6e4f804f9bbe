"""The public pages pass axe-core's WCAG 2.1 A/AA rules in every language, also at 320 px,
and a visitor can read a chart's figures, switch language and skip to the content."""

import hashlib
from pathlib import Path

import pytest
from django.core.management import call_command

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
DEMO = "nl-nap-iv"
PATHS = [
    "/",
    f"/plans/{DEMO}/",
    f"/plans/{DEMO}/goals/1/",
    f"/plans/{DEMO}/goals/1/1.2/",
    f"/plans/{DEMO}/indicators/1.b/",
    f"/plans/{DEMO}/indicators/2.a/",
    f"/plans/{DEMO}/status/",
    f"/plans/{DEMO}/signatories/",
    f"/plans/{DEMO}/reports/",
    "/organisations/",
    "/organisations/def/",
    f"/entries/?plan={DEMO}&year=2021&organisation=def",
    "/accessibility/",
    "/privacy/",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def public_data(transactional_db):
    """The demo plan, with figures and a baseline and target on indicator 1.b (for the chart)
    and a published report document."""
    from indicators.models import Indicator
    from reporting.models import ProgressEntry, ProgressValue, ReportingRound
    from reports.models import PublishedReport

    call_command("load_demo", verbosity=0)
    Indicator.objects.filter(plan__slug=DEMO, code="1.b").update(
        baseline=4, baseline_year=2020, target=12, target_year=2025
    )
    entries = list(
        ProgressEntry.objects.published()
        .filter(indicator__code="1.b")
        .select_related("organisation")
        .order_by("pk")
    )
    for value, entry in zip((7, 3, 5, 2), entries, strict=False):
        ProgressValue.objects.create(entry=entry, value=value)
    round_ = ReportingRound.objects.get(plan__slug=DEMO, year=2021)
    PublishedReport.objects.create(
        round=round_,
        version=1,
        format="pdf",
        layout="organisation",
        language="nl",
        filename="voortgang-2021.pdf",
        content_type="application/pdf",
        content=b"%PDF-1.7",
        sha256=hashlib.sha256(b"%PDF-1.7").hexdigest(),
    )
    return {
        organisation.organisation.name_nl: value
        for value, organisation in zip((7, 3, 5, 2), entries, strict=False)
    }


def new_page(browser, width):
    # axe is injected as an inline script, which the portal's Content-Security-Policy forbids.
    context = browser.new_context(
        locale="nl-NL", viewport={"width": width, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        (violation["id"], [node["target"] for node in violation["nodes"]][:5])
        for violation in result["violations"]
    ]


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("language", ["nl", "en", "fr"])
def test_public_pages_have_no_axe_violations(live_server, browser, public_data, language, width):
    context, page = new_page(browser, width)
    try:
        failures = {}
        for path in PATHS:
            url = f"{live_server.url}/{language}{path}"
            response = page.goto(url)
            assert response is not None and response.ok, url
            assert page.locator("html").get_attribute("lang") == language
            violations = axe_violations(page)
            if violations:
                failures[path] = violations
            if width == 320:
                # Reflow (WCAG 1.4.10): nothing but wide tables, which scroll on their own,
                # makes the page scroll sideways.
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 0, (path, overflow)
        assert failures == {}
    finally:
        context.close()


def test_a_visitor_reads_the_figures_of_a_chart(live_server, browser, public_data):
    context, page = new_page(browser, 1280)
    try:
        page.goto(f"{live_server.url}/nl/plans/{DEMO}/indicators/1.b/")
        chart = page.get_by_role("img", name="1.b")
        assert chart.count() == 1
        table = page.locator("table.chart-data")
        assert table.locator("caption").inner_text().startswith("Figures in the chart") or (
            "1.b" in table.locator("caption").inner_text()
        )
        rows = {
            row.locator("th").inner_text().strip(): row.locator("td").first.inner_text().strip()
            for row in table.locator("tbody tr").all()
        }
        assert rows == {name: str(value) for name, value in public_data.items()}
        # The same figures are in the chart's text alternative.
        description = page.locator("#chart-desc").text_content()
        for name, value in public_data.items():
            assert f"{name}: 2021 {value}" in description
    finally:
        context.close()


def test_a_visitor_switches_language_and_stays_on_the_page(live_server, browser, public_data):
    context, page = new_page(browser, 1280)
    try:
        page.goto(f"{live_server.url}/nl/plans/{DEMO}/status/")
        page.get_by_role("link", name="English").click()
        page.wait_for_url(f"{live_server.url}/en/plans/{DEMO}/status/")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", level=1).inner_text() == "Reporting status"
        page.get_by_role("link", name="français").click()
        page.wait_for_url(f"{live_server.url}/fr/plans/{DEMO}/status/")
    finally:
        context.close()


def test_keyboard_users_skip_to_the_content_and_see_the_focus(live_server, browser, public_data):
    context, page = new_page(browser, 1280)
    try:
        page.goto(f"{live_server.url}/en/plans/{DEMO}/")
        page.keyboard.press("Tab")
        skip = page.locator(".skip-link")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        assert skip.bounding_box()["x"] >= 0  # moved on screen when focused
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
    finally:
        context.close()
