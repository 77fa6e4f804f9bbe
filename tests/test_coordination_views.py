"""The coordinators' actions through the pages, who may reach them, and fixed query counts."""

import datetime
import io
import re
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership
from reporting import access, workflow
from reporting.models import (
    EntryComment,
    EntryTransition,
    Example,
    LockException,
    ProgressEntry,
    ProgressValue,
    Reference,
    ReportingRound,
)
from tests.factories import CategoryFactory, EntryFactory, IndicatorFactory, OrganisationFactory
from tests.otp import enter_code
from tests.roles import build_world

pytestmark = pytest.mark.django_db


def url(name, *args):
    # English pages, so that expected texts do not depend on the Dutch translations.
    with translation.override("en"):
        return reverse(f"coordination:{name}", args=args)


@pytest.fixture
def world():
    return build_world()


def start(world, user=None, indicator=None):
    return workflow.start_entry(
        acting_user=user or world.editor,
        round_=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=indicator or world.indicator,
    )


def edit(entry, user, text):
    entry = ProgressEntry.objects.get(pk=entry.pk)
    entry.narrative_nl = text
    return workflow.save_entry(acting_user=user, entry=entry, expected_version=entry.version)


def submitted(world, indicator=None, text="<p>Voortgang</p>"):
    entry = start(world, indicator=indicator)
    edit(entry, world.editor, text)
    return workflow.submit_entry(acting_user=world.focal, entry=entry)


def approved(world, indicator=None):
    entry = submitted(world, indicator)
    return workflow.approve_entry(acting_user=world.coordinator, entry=entry)


def entry_urls(world, entry):
    args = (world.plan.slug, world.round.year, entry.pk)
    return {name: url(name, *args) for name in ("review", "diff")}, {
        "comment": (url("comment", *args), {"text": "Vraag"}),
        "return": (url("return", *args), {"comment": "Bron ontbreekt"}),
        "approve": (url("approve", *args), {}),
        "lock-exception": (
            url("lock-exception", *args),
            {"reason": "Correctie", "until": "2099-01-01T10:00"},
        ),
    }


def all_urls(world, entry):
    slug, year = world.plan.slug, world.round.year
    pages = {
        "index": url("index"),
        "plan": url("plan", slug),
        "queue": url("queue", slug, year),
        "dashboard": url("dashboard", slug, year),
        "dashboard-csv": url("dashboard", slug, year) + "?export=csv",
        "dashboard-xlsx": url("dashboard", slug, year) + "?export=xlsx",
        "dashboard-cell": url("dashboard-cell", slug, year, world.ministry.pk, world.goal.pk),
    }
    entry_pages, entry_actions = entry_urls(world, entry)
    pages.update(entry_pages)
    actions = {
        "round-state": (url("round-state", slug, year), {"state": "closed"}),
        "publication": (url("publication", slug, year), {f"round-{world.round.pk}-now": "1"}),
        **entry_actions,
    }
    return pages, actions


def snapshot(world):
    round_ = ReportingRound.objects.get(pk=world.round.pk)
    return (
        round_.state,
        round_.publish_at,
        round_.published_at,
        sorted(ProgressEntry.objects.values_list("pk", "status", "version")),
        EntryComment.objects.count(),
        EntryTransition.objects.count(),
        LockException.objects.count(),
    )


# --- who may reach the pages ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["editor", "focal", "other_editor"])
def test_reporters_get_404_on_every_coordination_url(client, world, role):
    entry = approved(world)
    pages, actions = all_urls(world, entry)
    client.force_login(getattr(world, role))
    before = snapshot(world)

    for name, page in pages.items():
        assert client.get(page).status_code == 404, name
    for name, (action, data) in actions.items():
        assert client.post(action, data).status_code == 404, name
    assert snapshot(world) == before


@pytest.mark.parametrize("role", [None, "inactive"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, world, role):
    entry = approved(world)
    pages, actions = all_urls(world, entry)
    if role:
        client.force_login(getattr(world, role))
    before = snapshot(world)

    for name, page in pages.items():
        response = client.get(page)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/en/accounts/login/?next="), name
    for name, (action, data) in actions.items():
        response = client.post(action, data)
        assert response.status_code == 302, name
        assert "/accounts/login/" in response["Location"], name
    assert snapshot(world) == before


def test_the_login_page_logs_a_coordinator_in_without_staff_rights(client, world):
    assert not world.coordinator.is_staff
    target = url("index")
    response = client.post(
        "/en/accounts/login/",
        {"username": "coordinator", "password": "correct horse battery staple", "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == target
    enter_code(client, world.coordinator)  # the second factor
    assert client.get(target).status_code == 200


def test_board_members_read_everything_but_cannot_change_anything(client, world):
    entry = approved(world)
    pages, actions = all_urls(world, entry)
    client.force_login(world.board)
    before = snapshot(world)

    readable = {"index", "dashboard", "dashboard-csv", "dashboard-xlsx", "dashboard-cell"}
    readable |= {"queue", "review", "diff"}
    for name, page in pages.items():
        assert client.get(page).status_code == (200 if name in readable else 404), name
    for name, (action, data) in actions.items():
        assert client.post(action, data).status_code in (403, 404), name
    assert client.post(pages["dashboard"]).status_code in (403, 404, 405)
    assert snapshot(world) == before

    html = client.get(pages["dashboard"]).content.decode()
    main = html.split('id="main"')[1]
    # The only form on a board member's page is the log-out button.
    assert re.findall(r"<form[^>]*action=\"([^\"]*)\"", main) == ["/en/accounts/logout/"]
    assert url("queue", world.plan.slug, world.round.year) not in html
    cell = client.get(pages["dashboard-cell"]).content.decode()
    assert pages["review"] in cell
    review = client.get(pages["review"]).content.decode().split('id="main"')[1]
    assert re.findall(r"<form[^>]*action=\"([^\"]*)\"", review) == ["/en/accounts/logout/"]
    assert "<p>" in review  # the unpublished entry's text is readable


def test_coordinators_of_another_plan_get_404(client, world):
    other = build_world_for_other_plan()
    entry = submitted(world)
    pages, actions = all_urls(world, entry)
    client.force_login(other)
    before = snapshot(world)
    for name, page in pages.items():
        if name != "index":
            assert client.get(page).status_code == 404, name
    for name, (action, data) in actions.items():
        assert client.post(action, data).status_code == 404, name
    assert snapshot(world) == before


def build_world_for_other_plan():
    from indicators.models import PlanOrganisation
    from tests.factories import MembershipFactory, PlanFactory, UserFactory

    plan = PlanFactory()
    organisation = OrganisationFactory()
    PlanOrganisation.objects.create(plan=plan, organisation=organisation, role="coordinator")
    user = UserFactory(username="elsewhere")
    MembershipFactory(user=user, organisation=organisation, role=Membership.Role.COORDINATOR)
    return user


# --- review actions ------------------------------------------------------------------------


def test_the_queue_lists_submitted_entries_and_filters_them(client, world):
    first = submitted(world)
    other_indicator = IndicatorFactory(goal=world.goal, code="1.b")
    second = submitted(world, other_indicator)
    workflow.approve_entry(acting_user=world.coordinator, entry=second)
    client.force_login(world.coordinator)
    queue = url("queue", world.plan.slug, world.round.year)

    html = client.get(queue).content.decode()
    assert url("review", world.plan.slug, world.round.year, first.pk) in html
    assert url("review", world.plan.slug, world.round.year, second.pk) not in html

    filtered = client.get(queue, {"organisation": world.other.pk}).content.decode()
    assert url("review", world.plan.slug, world.round.year, first.pk) not in filtered
    assert "No submitted entries await review." in filtered
    by_goal = client.get(queue, {"goal": world.goal.pk}).content.decode()
    assert url("review", world.plan.slug, world.round.year, first.pk) in by_goal


def test_the_review_page_shows_the_entry_in_each_language(client, world):
    category = CategoryFactory(indicator=world.indicator, label_nl="Lokale vredesgesprekken")
    entry = start(world)
    entry = ProgressEntry.objects.get(pk=entry.pk)
    entry.narrative_nl = "<p>Nederlandse tekst</p>"
    entry.narrative_en = "<p>English text</p>"
    entry.narrative_fr = "<p>Texte français</p>"

    def related(saved):
        ProgressValue.objects.create(entry=saved, category=category, value=7)
        ProgressValue.objects.create(entry=saved, value=12)
        Reference.objects.create(
            entry=saved, kind="parliamentary_paper", citation="26 150, nr. 190"
        )
        Example.objects.create(
            entry=saved, title_nl="Vrouwen aan tafel", title_en="Women at the table"
        )

    workflow.save_entry(
        acting_user=world.editor, entry=entry, expected_version=entry.version, save_related=related
    )
    workflow.submit_entry(acting_user=world.focal, entry=entry)
    client.force_login(world.coordinator)

    html = client.get(url("review", world.plan.slug, world.round.year, entry.pk)).content.decode()

    for text in (
        "Nederlandse tekst",
        "English text",
        "Texte français",
        "Lokale vredesgesprekken",
        ">7<",
        ">12<",
        "26 150, nr. 190",
        "Vrouwen aan tafel",
        "Women at the table",
        "Draft → Submitted",
    ):
        assert text in html, text


def test_returning_needs_a_comment(client, world):
    entry = submitted(world)
    client.force_login(world.coordinator)
    action = url("return", world.plan.slug, world.round.year, entry.pk)

    response = client.post(action, {"comment": "  "})

    assert response.status_code == 400
    assert "Say what needs to change when you return an entry." in response.content.decode()
    assert ProgressEntry.objects.get(pk=entry.pk).status == "submitted"

    response = client.post(action, {"comment": "Noem de bron van het cijfer."}, follow=True)

    assert ProgressEntry.objects.get(pk=entry.pk).status == "returned"
    html = response.content.decode()
    assert "The entry was returned" in html
    assert "Noem de bron van het cijfer." in html  # in the discussion and the history
    assert "Submitted → Returned for revision" in html


def test_a_coordinator_approves_a_submitted_entry(client, world):
    entry = submitted(world)
    client.force_login(world.coordinator)

    response = client.post(
        url("approve", world.plan.slug, world.round.year, entry.pk),
        {"comment": "Helder"},
        follow=True,
    )

    entry.refresh_from_db()
    assert entry.status == "approved"
    assert entry.approved_by == world.coordinator
    html = response.content.decode()
    assert "The entry was approved." in html
    assert "Submitted → Approved" in html
    # Approved entries can no longer be reviewed: the page says why.
    assert "Only submitted entries can be reviewed." in html


def test_four_eyes_refusal_is_shown_and_nothing_changes(client, world):
    Membership.objects.create(
        user=world.coordinator, organisation=world.ministry, role="focal_point"
    )
    entry = start(world, world.coordinator)
    edit(entry, world.coordinator, "<p>Door de coördinator geschreven</p>")
    entry = workflow.submit_entry(acting_user=world.coordinator, entry=entry)
    client.force_login(world.coordinator)
    reason = "You edited this entry last; another coordinator must approve it"

    page = client.get(url("review", world.plan.slug, world.round.year, entry.pk)).content.decode()
    assert reason in page
    response = client.post(url("approve", world.plan.slug, world.round.year, entry.pk))

    assert response.status_code == 403
    assert reason in response.content.decode()
    assert ProgressEntry.objects.get(pk=entry.pk).status == "submitted"

    client.force_login(world.second_coordinator)
    client.post(url("approve", world.plan.slug, world.round.year, entry.pk))
    assert ProgressEntry.objects.get(pk=entry.pk).status == "approved"


def test_comments_are_added_to_the_thread(client, world):
    entry = submitted(world)
    client.force_login(world.coordinator)
    action = url("comment", world.plan.slug, world.round.year, entry.pk)

    assert client.post(action, {"text": ""}).status_code == 400
    response = client.post(action, {"text": "Kunt u het cijfer toelichten?"}, follow=True)

    assert EntryComment.objects.get(entry=entry).text == "Kunt u het cijfer toelichten?"
    assert "Kunt u het cijfer toelichten?" in response.content.decode()
    assert ProgressEntry.objects.get(pk=entry.pk).status == "submitted"


def test_lock_exception_on_an_approved_entry(client, world):
    entry = approved(world)
    client.force_login(world.second_coordinator)
    action = url("lock-exception", world.plan.slug, world.round.year, entry.pk)
    until = timezone.localtime() + datetime.timedelta(days=2)

    past = client.post(action, {"reason": "Te laat", "until": "2001-01-01T10:00"})
    assert past.status_code == 400
    assert "The exception must end in the future." in past.content.decode()
    no_reason = client.post(action, {"reason": "", "until": until.strftime("%Y-%m-%dT%H:%M")})
    assert no_reason.status_code == 400
    assert not LockException.objects.exists()

    response = client.post(
        action,
        {
            "reason": "Cijfer gecorrigeerd door de minister",
            "until": until.strftime("%Y-%m-%dT%H:%M"),
        },
        follow=True,
    )

    exception = LockException.objects.get(entry=entry)
    assert exception.granted_by == world.second_coordinator
    assert exception.reason == "Cijfer gecorrigeerd door de minister"
    assert abs(exception.expires_at - until.replace(second=0, microsecond=0)) < datetime.timedelta(
        seconds=1
    )
    assert "Cijfer gecorrigeerd door de minister" in response.content.decode()
    assert access.edit_denial(world.editor, ProgressEntry.objects.get(pk=entry.pk)) is None


def test_lock_exception_in_a_closed_round(client, world):
    entry = submitted(world)
    workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="Aanvullen")
    workflow.set_round_state(acting_user=world.coordinator, round_=world.round, state="closed")
    client.force_login(world.coordinator)

    client.post(
        url("lock-exception", world.plan.slug, world.round.year, entry.pk),
        {"reason": "Late aanvulling afgesproken", "until": "2099-01-01T10:00"},
    )

    assert LockException.objects.filter(entry=entry).exists()


def test_lock_exception_is_refused_on_an_open_entry_with_the_reason(client, world):
    entry = submitted(world)
    client.force_login(world.coordinator)
    reason = "This entry is not locked"

    page = client.get(url("review", world.plan.slug, world.round.year, entry.pk)).content.decode()
    assert reason in page
    response = client.post(
        url("lock-exception", world.plan.slug, world.round.year, entry.pk),
        {"reason": "Waarom niet", "until": "2099-01-01T10:00"},
    )

    assert response.status_code == 403
    assert reason in response.content.decode()
    assert not LockException.objects.exists()
    assert access.lock_exception_denial(world.coordinator, entry).startswith(reason)
    assert access.lock_exception_denial(world.editor, entry) == (
        "Only the plan's coordinators can do this."
    )


def test_diff_between_the_approved_and_the_resubmitted_version(client, world):
    entry = submitted(world, text="<p>Er zijn 10 vrouwen benoemd.</p>")
    entry = workflow.approve_entry(acting_user=world.coordinator, entry=entry)
    workflow.grant_lock_exception(
        acting_user=world.coordinator,
        entry=entry,
        reason="Correctie",
        until=timezone.now() + datetime.timedelta(days=1),
    )
    entry = ProgressEntry.objects.get(pk=entry.pk)
    entry.narrative_nl = "<p>Er zijn 12 vrouwen benoemd.</p>"

    def add_value(saved):
        ProgressValue.objects.create(entry=saved, value=12)

    workflow.save_entry(
        acting_user=world.editor,
        entry=entry,
        expected_version=entry.version,
        save_related=add_value,
    )
    workflow.submit_entry(acting_user=world.focal, entry=entry)
    client.force_login(world.second_coordinator)

    review = client.get(url("review", world.plan.slug, world.round.year, entry.pk)).content.decode()
    assert "Changes since the approved version" in review
    response = client.get(url("diff", world.plan.slug, world.round.year, entry.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<del>10</del>" in html
    assert "<ins>12</ins>" in html
    assert "Total: 12" in html
    assert (
        client.get(
            url("diff", world.plan.slug, world.round.year, entry.pk) + "?old=999999&new=1"
        ).status_code
        == 404
    )


# --- rounds and publication ----------------------------------------------------------------


def test_open_and_close_the_round(client, world):
    client.force_login(world.coordinator)
    action = url("round-state", world.plan.slug, world.round.year)

    response = client.post(action, {"state": "closed"}, follow=True)
    assert ReportingRound.objects.get(pk=world.round.pk).state == "closed"
    assert "The 2022 round is now closed." in response.content.decode()

    client.post(action, {"state": "open"})
    assert ReportingRound.objects.get(pk=world.round.pk).state == "open"

    refused = client.post(action, {"state": "open"}, follow=True)
    assert "A open round cannot become open." in refused.content.decode()
    assert ReportingRound.objects.get(pk=world.round.pk).state == "open"


def test_schedule_publication_then_the_command_publishes_at_the_embargo(client, world):
    entry = approved(world)
    client.force_login(world.coordinator)
    embargo = (timezone.localtime() + datetime.timedelta(days=3)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )

    response = client.post(
        url("publication", world.plan.slug, world.round.year),
        {f"round-{world.round.pk}-at": embargo.strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )

    round_ = ReportingRound.objects.get(pk=world.round.pk)
    assert round_.publish_at == embargo
    html = response.content.decode()
    assert "will be published at the embargo time" in html
    with translation.override("en"):
        from django.utils.formats import date_format

        shown = date_format(embargo, "DATETIME_FORMAT")
    assert f"To be published at {shown}" in html
    assert ProgressEntry.objects.get(pk=entry.pk).status == "approved"

    out = io.StringIO()
    call_command("publish_due_rounds", stdout=out)
    assert out.getvalue() == ""
    assert ProgressEntry.objects.get(pk=entry.pk).status == "approved"

    after = embargo + datetime.timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=after):
        call_command("publish_due_rounds", stdout=out)
    assert f"Published {world.plan.short_name} 2022" in out.getvalue()
    assert "1 entries" in out.getvalue()
    assert ProgressEntry.objects.get(pk=entry.pk).status == "published"
    assert ReportingRound.objects.get(pk=world.round.pk).state == "published"


def test_publish_now(client, world):
    entry = approved(world)
    client.force_login(world.coordinator)

    response = client.post(
        url("publication", world.plan.slug, world.round.year),
        {f"round-{world.round.pk}-now": "1"},
        follow=True,
    )

    assert ProgressEntry.objects.get(pk=entry.pk).status == "published"
    assert "The 2022 round is published." in response.content.decode()
    dashboard = client.get(url("dashboard", world.plan.slug, world.round.year)).content.decode()
    assert "Published" in dashboard


def test_publication_without_approved_entries_is_refused_with_the_reason(client, world):
    submitted(world)
    client.force_login(world.coordinator)

    response = client.post(
        url("publication", world.plan.slug, world.round.year),
        {f"round-{world.round.pk}-now": "1"},
        follow=True,
    )

    assert "No approved entries to publish." in response.content.decode()
    assert ReportingRound.objects.get(pk=world.round.pk).state == "open"
    missing = client.post(url("publication", world.plan.slug, world.round.year), {}, follow=True)
    assert "Give the date and time of publication, or publish now." in missing.content.decode()


# --- fixed number of queries ---------------------------------------------------------------


def count_queries(client, page):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page)
    assert response.status_code == 200
    return len(queries)


def add_submitted_entries(world, count):
    for _n in range(count):
        organisation = OrganisationFactory()
        indicator = IndicatorFactory(goal=world.goal)
        EntryFactory(
            round=world.round,
            organisation=organisation,
            goal=world.goal,
            indicator=indicator,
            status="submitted",
            submitted_at=timezone.now(),
            submitted_by=world.focal,
            last_edited_by=world.editor,
        )


def test_review_queue_runs_a_fixed_number_of_queries(client, world):
    client.force_login(world.coordinator)
    page = url("queue", world.plan.slug, world.round.year)
    add_submitted_entries(world, 1)
    small = count_queries(client, page)
    add_submitted_entries(world, 10)
    large = count_queries(client, page)
    # Session, user, round with plan, memberships, plan roles, the filter's organisations and
    # goals, the submitted entries with their organisation, scope and people.
    assert small == large == 9  # 8 + the second-factor device
    filtered = count_queries(client, page + f"?organisation={world.ministry.pk}&goal=")
    assert filtered == 10  # plus validating the chosen organisation


def enrich(entry, world, count):
    categories = [CategoryFactory(indicator=world.indicator) for _n in range(count)]
    for category in categories:
        ProgressValue.objects.create(entry=entry, category=category, value=1)
    for n in range(count):
        Reference.objects.create(entry=entry, kind="document", title=f"Stuk {n}")
        Example.objects.create(entry=entry, title_nl=f"Voorbeeld {n}")
        EntryComment.objects.create(entry=entry, author=world.coordinator, text=f"Vraag {n}")
        EntryTransition.objects.create(
            entry=entry, from_status="draft", to_status="submitted", actor=world.focal
        )
        LockException.objects.create(
            entry=entry,
            granted_by=world.coordinator,
            reason="x",
            expires_at=timezone.now() - datetime.timedelta(days=1),
        )


def test_review_page_runs_a_fixed_number_of_queries(client, world):
    entry = submitted(world)
    client.force_login(world.coordinator)
    page = url("review", world.plan.slug, world.round.year, entry.pk)
    enrich(entry, world, 1)
    small = count_queries(client, page)
    enrich(entry, world, 10)
    large = count_queries(client, page)
    # Session, user, round with plan, memberships, plan roles, the entry with its scope and
    # people, then one query each for values, categories, references, examples, comments,
    # transitions and lock exceptions.
    assert small == large == 14  # 13 + the second-factor device
