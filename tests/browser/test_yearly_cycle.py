"""The whole yearly data call in Chromium, as the people doing it see it.

An editor fills in a quantitative and a qualitative indicator and saves the drafts; the focal
point submits them; a coordinator returns one with a comment; the editor reads the comment, fixes
the entry and saves; the focal point submits again; a second coordinator approves both entries and
publishes the round; the coordinators' pages and the editor's entry show them published.

Every user has a browser context of their own. The pages are in Dutch: expected texts are looked
up through the same translations the server uses, so the test follows the wording of the .po
files instead of copying it.
"""

import datetime
import re

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from accounts.models import Membership
from indicators.models import Indicator, PlanOrganisation
from reporting.models import Example, ProgressEntry, ProgressValue, ReportingRound
from tests.factories import (
    CategoryFactory,
    GoalFactory,
    IndicatorFactory,
    MembershipFactory,
    OrganisationFactory,
    PlanFactory,
    ResponsibilityFactory,
    RoundFactory,
    UserFactory,
)
from tests.otp import pass_second_factor

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
LANGUAGE = "nl"
Status = ProgressEntry.Status


def nl(message: str, **values) -> str:
    """A user-facing text as the Dutch pages show it."""
    with translation.override(LANGUAGE):
        text = gettext(message)
    return text % values if values else text


def status(value: str) -> str:
    with translation.override(LANGUAGE):
        return str(Status(value).label)


def round_state(value: str) -> str:
    with translation.override(LANGUAGE):
        return str(ReportingRound.State(value).label)


@pytest.fixture
def cycle(transactional_db):
    today = timezone.localdate()
    plan = PlanFactory(slug="nap-iv", short_name="NAP1325-IV")
    round_ = RoundFactory(
        plan=plan,
        year=2022,
        opens_on=today - datetime.timedelta(days=20),
        deadline=today + datetime.timedelta(days=20),
        state="open",
    )
    coordinating = OrganisationFactory(slug="bz", name_nl="Buitenlandse Zaken")
    ministry = OrganisationFactory(slug="def", name_nl="Defensie", name_en="Defence")
    PlanOrganisation.objects.create(plan=plan, organisation=coordinating, role="coordinator")
    PlanOrganisation.objects.create(plan=plan, organisation=ministry, role="signatory")
    goal = GoalFactory(plan=plan, number=1, title_nl="Vrouwen aan de onderhandelingstafel")
    counted = IndicatorFactory(
        goal=goal,
        code="1.a",
        kind=Indicator.Kind.COUNT,
        text_nl="Aantal uitgezonden vrouwelijke militairen",
    )
    categories = [
        CategoryFactory(indicator=counted, code="missions", position=0, label_nl="Missies"),
        CategoryFactory(indicator=counted, code="training", position=1, label_nl="Trainingen"),
    ]
    told = IndicatorFactory(
        goal=goal,
        code="1.b",
        kind=Indicator.Kind.QUALITATIVE,
        text_nl="Steun aan vrouwelijke bemiddelaars",
    )
    for indicator in (counted, told):
        ResponsibilityFactory(organisation=ministry, goal=goal, indicator=indicator)

    def member(username, organisation, role):
        user = UserFactory(username=username)
        MembershipFactory(user=user, organisation=organisation, role=role)
        return user

    member("eva", ministry, Membership.Role.EDITOR)
    member("fatima", ministry, Membership.Role.FOCAL_POINT)
    member("kees", coordinating, Membership.Role.COORDINATOR)
    member("lotte", coordinating, Membership.Role.COORDINATOR)
    return {
        "plan": plan,
        "round": round_,
        "ministry": ministry,
        "counted": counted,
        "told": told,
        "categories": categories,
    }


class Session:
    """One user in a browser context of their own."""

    def __init__(self, browser, base_url: str):
        self.base_url = base_url
        self.context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def goto(self, path: str):
        self.page.goto(self.base_url + path)

    def close(self):
        self.context.close()


def workspace_login(session: Session, username: str):
    page = session.page
    session.goto("/nl/report/")
    expect(page).to_have_url(re.compile(r"/nl/report/login/"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    pass_second_factor(page, username)
    expect(page).to_have_url(session.base_url + "/nl/report/")
    expect(page.locator("h1")).to_have_text(nl("Worklist"))


def portal_login(session: Session, username: str, next_path: str):
    """The portal's own login page (coordinators are not admin staff)."""
    page = session.page
    session.goto(next_path)
    expect(page).to_have_url(f"{session.base_url}/nl/accounts/login/?next={next_path}")
    form = page.locator(".login-form")
    form.get_by_label(nl("Username")).fill(username)
    form.get_by_label(nl("Password")).fill(PASSWORD)
    form.get_by_role("button", name=nl("Log in")).click()
    pass_second_factor(page, username)
    expect(page).to_have_url(session.base_url + next_path)


def worklist_row(page, code: str):
    return page.locator(
        "tr.ws-item", has=page.locator(".ws-code", has_text=re.compile(f"^{re.escape(code)}$"))
    )


def rich_text(page, textarea_id: str):
    return page.locator(f"#{textarea_id} ~ .ws-richtext .ql-editor")


def save_draft(page):
    # The page may already show a message (e.g. "started as a draft"): wait for the new page.
    with page.expect_navigation():
        page.click("input[name=_continue]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator(".messagelist .error")).to_have_count(0)


def test_the_yearly_cycle_from_first_draft_to_publication(live_server, browser, cycle, tmp_path):
    counted, told = cycle["counted"], cycle["told"]
    missions, training = cycle["categories"]
    queue_path = "/nl/coordination/nap-iv/2022/review/"
    sessions = []

    def session():
        sessions.append(Session(browser, live_server.url))
        return sessions[-1]

    try:
        # --- The editor fills in both indicators and saves them as drafts. ---------------------
        editor = session()
        workspace_login(editor, "eva")
        page = editor.page
        expect(page.locator("tr.ws-item-not_started")).to_have_count(2)
        expect(page.locator(".ws-deadline")).to_be_visible()

        worklist_row(page, "1.a").get_by_role("button", name=nl("Start")).click()
        expect(page).to_have_url(re.compile(r"/reporting/progressentry/\d+/change/$"))
        expect(page.locator("h1")).to_contain_text("Aantal uitgezonden vrouwelijke militairen")
        page.fill(f"input[name=value_{missions.pk}]", "12")
        page.fill(f"input[name=value_{training.pk}]", "30")
        page.fill("input[name=value_total]", "42")
        rich_text(page, "id_narrative_nl").click()
        page.keyboard.type("Twaalf vrouwen op missie, dertig in opleiding.")
        save_draft(page)
        expect(page.locator(f"input[name=value_{missions.pk}]")).to_have_value("12")
        expect(page.locator(f"input[name=value_{training.pk}]")).to_have_value("30")
        expect(page.locator("input[name=value_total]")).to_have_value("42")
        expect(page.locator(".ws-status")).to_have_text(status(Status.DRAFT))

        page.locator(".breadcrumbs a").click()
        expect(worklist_row(page, "1.a").locator(".ws-status")).to_have_text(status(Status.DRAFT))
        worklist_row(page, "1.b").get_by_role("button", name=nl("Start")).click()
        expect(page).to_have_url(re.compile(r"/reporting/progressentry/\d+/change/$"))
        rich_text(page, "id_narrative_nl").click()
        page.keyboard.type("Bemiddelaars getraind in ")
        page.keyboard.press("Control+b")
        page.keyboard.type("drie landen")
        page.keyboard.press("Control+b")
        page.keyboard.type(".")
        page.fill("input[name='examples-0-title_nl']", "Bemiddeling in Jemen")
        page.select_option("select[name='examples-0-country']", "YE")
        page.fill("input[name='examples-0-partner']", "Women Mediators Network")
        rich_text(page, "id_examples-0-description_nl").click()
        page.keyboard.type("Twintig bemiddelaars in Aden.")
        save_draft(page)
        expect(rich_text(page, "id_narrative_nl").locator("strong")).to_have_text("drie landen")
        expect(page.locator("input[name='examples-0-title_nl']")).to_have_value(
            "Bemiddeling in Jemen"
        )
        told_url = page.url

        # --- The focal point submits all drafts. ------------------------------------------------
        focal = session()
        workspace_login(focal, "fatima")
        expect(focal.page.locator("tr.ws-item-draft")).to_have_count(2)
        focal.page.get_by_role("button", name=nl("Submit all drafts to the coordinator")).click()
        expect(focal.page.locator(".messagelist .success")).to_be_visible()
        expect(focal.page.locator("tr.ws-item-submitted")).to_have_count(2)

        # --- A coordinator returns the qualitative entry with a comment. ------------------------
        first = session()
        portal_login(first, "kees", queue_path)
        page = first.page
        rows = page.locator("table.queue tbody tr")
        expect(rows).to_have_count(2)
        rows.filter(has_text="1.b").get_by_role("link").click()
        expect(page.locator("#entry-status")).to_have_text(status(Status.SUBMITTED))
        expect(page.locator(".language-version[lang=nl] strong")).to_have_text("drie landen")
        expect(page.locator(".example")).to_contain_text("Bemiddeling in Jemen")
        page.get_by_label(nl("What needs to change")).fill("Noem de drie landen bij naam.")
        page.get_by_role("button", name=nl("Return"), exact=True).click()
        expect(page.locator(".message-success")).to_be_visible()
        expect(page.locator("#entry-status")).to_have_text(status(Status.RETURNED))
        expect(page.locator(".comments")).to_contain_text("Noem de drie landen bij naam.")

        # --- The editor sees the returned entry and the comment, fixes it and saves. ------------
        page = editor.page
        editor.goto("/nl/report/")
        row = worklist_row(page, "1.b")
        expect(row).to_have_class(re.compile(r"\bws-item-returned\b"))
        expect(row.locator(".ws-status")).to_have_text(status(Status.RETURNED))
        expect(worklist_row(page, "1.a")).to_have_class(re.compile(r"\bws-item-submitted\b"))
        row.get_by_role("link", name=nl("Edit")).click()
        expect(page).to_have_url(told_url)
        expect(page.locator(".ws-status")).to_have_text(status(Status.RETURNED))
        expect(page.locator(".ws-comments")).to_contain_text("Noem de drie landen bij naam.")
        page.screenshot(path=str(tmp_path / "returned.png"), full_page=True)
        expect(page.locator(".ws-comments")).to_contain_text("kees")
        editor_text = rich_text(page, "id_narrative_nl")
        editor_text.click()
        page.keyboard.press("Control+End")
        page.keyboard.type(" Het gaat om Jemen, Mali en Colombia.")
        save_draft(page)
        expect(rich_text(page, "id_narrative_nl")).to_contain_text("Jemen, Mali en Colombia")
        expect(page.locator(".ws-status")).to_have_text(status(Status.RETURNED))

        # --- The focal point submits again. -----------------------------------------------------
        page = focal.page
        focal.goto("/nl/report/")
        expect(page.locator("tr.ws-item-returned")).to_have_count(1)
        page.get_by_role("button", name=nl("Submit all drafts to the coordinator")).click()
        expect(page.locator(".messagelist .success")).to_be_visible()
        expect(page.locator("tr.ws-item-submitted")).to_have_count(2)

        # --- A second coordinator approves both and publishes the round now. --------------------
        second = session()
        portal_login(second, "lotte", queue_path)
        page = second.page
        for code in ("1.a", "1.b"):
            page.locator("table.queue tbody tr").filter(has_text=code).get_by_role("link").click()
            expect(page.locator("#entry-status")).to_have_text(status(Status.SUBMITTED))
            expect(page.locator("#approve-refusal")).to_have_count(0)  # four eyes: not her edit
            page.get_by_role("button", name=nl("Approve"), exact=True).click()
            expect(page.locator(".message-success")).to_have_text(nl("The entry was approved."))
            expect(page.locator("#entry-status")).to_have_text(status(Status.APPROVED))
            second.goto(queue_path)
        expect(page.locator("table.queue")).to_have_count(0)
        expect(page.locator(".empty")).to_have_text(nl("No submitted entries await review."))

        page.get_by_role("link", name=nl("Rounds")).click()
        round_card = page.locator("#round-2022")
        expect(round_card.locator(".badge")).to_have_text(round_state(ReportingRound.State.OPEN))
        round_card.get_by_role("button", name=nl("Publish now")).click()
        expect(page.locator(".message-success")).to_have_text(
            nl("The %(year)s round is published.", year=2022)
        )
        expect(page.locator("#round-2022 .badge")).to_have_text(
            round_state(ReportingRound.State.PUBLISHED)
        )

        # --- The entries show as published: the dashboard, its drill-down, the workspace. -------
        page.locator("#round-2022").get_by_role("link", name=nl("Completeness")).click()
        table = page.locator("#table-government-status")
        expect(table).to_be_visible()
        headers = table.locator("thead th").all_inner_texts()
        ministry_row = table.locator("tbody tr").filter(has_text="Defensie")
        cells = ministry_row.locator("th, td")
        expect(cells.nth(headers.index(status(Status.PUBLISHED)))).to_have_text("2")
        expect(cells.nth(headers.index(status(Status.APPROVED)))).to_have_text("0")
        ministry_row.get_by_role("link").click()
        items = page.locator("table.cell-items tbody tr")
        expect(items).to_have_count(2)
        for code in ("1.a", "1.b"):
            expect(items.filter(has_text=code)).to_contain_text(status(Status.PUBLISHED))
        page.screenshot(path=str(tmp_path / "published.png"), full_page=True)

        page = editor.page
        editor.goto(told_url.removeprefix(live_server.url))
        expect(page.locator(".ws-status")).to_have_text(status(Status.PUBLISHED))
        expect(page.locator(".ws-locked")).to_be_visible()
        expect(page.locator("input[name=_continue]")).to_have_count(0)

        assert [error for s in sessions for error in s.errors] == []
    finally:
        for s in sessions:
            s.close()

    # The screens agree with the database.
    entries = {entry.indicator_id: entry for entry in ProgressEntry.objects.all()}
    assert {entry.status for entry in entries.values()} == {Status.PUBLISHED}
    assert {entry.approved_by.username for entry in entries.values()} == {"lotte"}
    assert dict(
        ProgressValue.objects.filter(entry=entries[counted.pk]).values_list("category_id", "value")
    ) == {missions.pk: 12, training.pk: 30, None: 42}
    assert "Jemen, Mali en Colombia" in entries[told.pk].narrative_nl
    assert Example.objects.get(entry=entries[told.pk]).title_nl == "Bemiddeling in Jemen"
    transitions = list(entries[told.pk].transitions.values_list("to_status", flat=True))
    assert transitions == ["draft", "submitted", "returned", "submitted", "approved", "published"]
