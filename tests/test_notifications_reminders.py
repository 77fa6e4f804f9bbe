"""Daily reminder digests: who is told what, when, once a day, in one mail per person."""

import datetime
from email.utils import parseaddr

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.formats import date_format

from accounts.models import Membership
from indicators.models import PlanOrganisation
from notifications import links
from notifications.models import Reminder
from notifications.reminders import plan_reminders
from notifications.services import send_reminders
from tests.factories import (
    EntryFactory,
    GoalFactory,
    IndicatorFactory,
    MembershipFactory,
    OrganisationFactory,
    PlanFactory,
    ResponsibilityFactory,
    RoundFactory,
    UserFactory,
)
from tests.roles import build_world

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def english(settings):
    """Mails in English, so the texts checked stay the same when translations are added."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def world():
    """The ministry has three items: 1.a in draft, 1.b not started, 1.c returned; plus 1.d
    submitted (finished for now). The other ministry has not started its 1.a."""
    world = build_world()
    plan, goal = world.plan, world.goal
    world.indicator_b = IndicatorFactory(goal=goal, code="1.b", position=2)
    world.indicator_c = IndicatorFactory(goal=goal, code="1.c", position=3)
    world.indicator_d = IndicatorFactory(goal=goal, code="1.d", position=4)
    for indicator in (world.indicator_b, world.indicator_c, world.indicator_d):
        ResponsibilityFactory(organisation=world.ministry, goal=goal, indicator=indicator)

    def entry(indicator, status):
        return EntryFactory(
            round=world.round,
            organisation=world.ministry,
            goal=goal,
            indicator=indicator,
            status=status,
        )

    world.draft = entry(world.indicator, "draft")
    world.returned = entry(world.indicator_c, "returned")
    world.submitted = entry(world.indicator_d, "submitted")
    assert plan.language == "nl"
    return world


def deadline(world, days: int) -> datetime.date:
    """The day that is `days` before the deadline (negative: after)."""
    return world.round.deadline - datetime.timedelta(days=days)


def recipients(outbox=None) -> list[str]:
    return sorted(parseaddr(message.to[0])[1] for message in (outbox or mail.outbox))


def mail_to(user):
    found = [m for m in mail.outbox if parseaddr(m.to[0])[1] == user.email]
    assert len(found) == 1, f"{len(found)} mails to {user.email}"
    return found[0]


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


@pytest.mark.parametrize("days", [14, 7, 1])
def test_it_reminds_editors_and_focal_points_on_the_reminder_days(world, days):
    run = send_reminders(today=deadline(world, days))

    # Not the inactive editor, the coordinators or the board member: only reporters of
    # organisations with unfinished work.
    assert recipients() == ["editor@example.org", "focal@example.org", "other-editor@example.org"]
    assert len(run.sent) == 3
    assert set(Reminder.objects.values_list("kind", flat=True)) == {"before_deadline"}


@pytest.mark.parametrize("days", [30, 13, 8, 2, 0])
def test_it_sends_nothing_on_an_ordinary_day(world, days):
    send_reminders(today=deadline(world, days))

    assert mail.outbox == []
    assert not Reminder.objects.exists()


def test_digest_lists_each_unfinished_item_with_counts_and_links(world):
    send_reminders(today=deadline(world, 7))

    message = mail_to(world.editor)
    text, html = message.body, html_of(message)
    worklist = links.worklist_url("en")
    assert worklist == "http://127.0.0.1:8000/en/report/"
    draft_link = links.entry_url(world.draft.pk, "en")
    returned_link = links.entry_url(world.returned.pk, "en")
    assert draft_link.startswith("http://127.0.0.1:8000/en/report/")
    for body in (text, html):
        assert f"{world.plan.short_name} 2022" in body
        assert "1 / 1.a" in body
        assert "1 / 1.b" in body
        assert "1 / 1.c" in body
        assert "1 / 1.d" not in body  # submitted: nothing to do for the reporters
        assert draft_link in body
        assert returned_link in body
        assert worklist in body
        assert "Returned for revision" in body
        assert "Not started" in body
    assert "Returned for revision: 1, Not started: 1, Draft: 1" in text
    assert "Not started: <strong>1</strong>" in html
    assert "3 items left to finish" in text
    # Report order: the returned 1.c comes after 1.a and 1.b.
    assert text.index("1 / 1.a") < text.index("1 / 1.b") < text.index("1 / 1.c")
    # Nothing about the other ministry in the ministry's mail.
    assert str(world.other.name_en) not in text
    assert "Reminder" in message.subject and f"{world.plan.short_name} 2022" in message.subject
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert message.extra_headers["Content-Language"] == "en"


def test_the_other_organisation_sees_only_its_own_items(world):
    send_reminders(today=deadline(world, 7))

    text = mail_to(world.other_editor).body
    assert "1 / 1.a" in text
    assert "Not started: 1" in text
    assert "1 / 1.b" not in text
    assert links.entry_url(world.draft.pk, "en") not in text


def test_organisations_with_everything_submitted_are_not_reminded(world):
    for entry in (world.draft, world.returned):
        entry.status = "submitted"
        entry.save()
    for indicator in (world.indicator_b,):
        EntryFactory(
            round=world.round,
            organisation=world.ministry,
            goal=world.goal,
            indicator=indicator,
            status="approved",
        )

    send_reminders(today=deadline(world, 1))

    assert recipients() == ["other-editor@example.org"]


def test_overdue_organisations_are_reminded_every_day(world):
    for days_late in (1, 2):
        mail.outbox.clear()
        send_reminders(today=deadline(world, -days_late))

        assert recipients() == [
            "editor@example.org",
            "focal@example.org",
            "other-editor@example.org",
        ]
        message = mail_to(world.editor)
        assert message.subject.startswith("[NAP 1325 portal] Overdue")
        assert f"{days_late} day" in message.body
        assert "ask the coordinator to reopen it" in message.body


def test_coordinators_are_told_of_organisations_overdue_for_escalate_after_days(world, settings):
    settings.ESCALATE_AFTER_DAYS = 3
    send_reminders(today=deadline(world, -2))
    assert "coordinator@example.org" not in recipients()

    mail.outbox.clear()
    send_reminders(today=deadline(world, -3))

    assert recipients() == [
        "coordinator2@example.org",
        "coordinator@example.org",
        "editor@example.org",
        "focal@example.org",
        "other-editor@example.org",
    ]
    summary = mail_to(world.coordinator)
    text = summary.body
    assert "overdue in a plan you coordinate" in text
    assert "3 days overdue" in text
    # One section per organisation, with its counts.
    assert f"{world.ministry.name_en} ({world.ministry.abbreviation_nl}) – " in text
    assert "Returned for revision: 1, Not started: 1, Draft: 1" in text
    assert f"{world.other.name_en} ({world.other.abbreviation_nl}) – Not started: 1" in text
    # A summary: the items themselves are on the round's completeness dashboard.
    assert "1 / 1.b" not in text
    dashboard = links.dashboard_url(world.round, "en")
    assert dashboard == (f"http://127.0.0.1:8000/en/coordination/{world.plan.slug}/2022/dashboard/")
    assert dashboard in text
    assert f'href="{dashboard}"' in html_of(summary)
    assert "Organisations overdue" in summary.subject
    assert set(Reminder.objects.filter(user=world.coordinator).values_list("kind", flat=True)) == {
        "escalation"
    }


def test_a_coordinator_who_also_reports_gets_one_mail_with_both_parts(world, settings):
    settings.ESCALATE_AFTER_DAYS = 1
    coordinator_editor = UserFactory(username="both")
    MembershipFactory(user=coordinator_editor, organisation=world.coordinating, role="coordinator")
    MembershipFactory(user=coordinator_editor, organisation=world.other, role="editor")

    send_reminders(today=deadline(world, -1))

    message = mail_to(coordinator_editor)
    assert "1 item left to finish" in message.body
    assert "overdue in a plan you coordinate" in message.body
    assert set(Reminder.objects.filter(user=coordinator_editor).values_list("kind", flat=True)) == {
        "overdue",
        "escalation",
    }


def test_one_mail_per_person_across_organisations_and_plans(world):
    # The editor also works for the other ministry, and for a second plan whose round has the
    # same deadline.
    MembershipFactory(user=world.editor, organisation=world.other, role="editor")
    second_plan = PlanFactory(short_name="NAP-B")
    second_round = RoundFactory(
        plan=second_plan,
        year=2022,
        opens_on=world.round.opens_on,
        deadline=world.round.deadline,
    )
    second_goal = GoalFactory(plan=second_plan, number=1)
    ResponsibilityFactory(
        organisation=world.ministry,
        goal=second_goal,
        indicator=IndicatorFactory(goal=second_goal, code="B.1"),
    )

    send_reminders(today=deadline(world, 7))

    message = mail_to(world.editor)
    text = message.body
    assert f"{world.plan.short_name} 2022" in text
    assert "NAP-B 2022" in text
    assert "1 / B.1" in text
    assert str(world.ministry.name_en) in text
    assert str(world.other.name_en) in text
    # The ministry's 3 in the first plan and 1 in the second, the other ministry's 1.
    assert "5 items left to finish" in text
    assert recipients().count("editor@example.org") == 1
    assert set(Reminder.objects.filter(user=world.editor).values_list("round_id", flat=True)) == {
        world.round.pk,
        second_round.pk,
    }


def test_inactive_users_and_users_without_address_get_nothing(world):
    world.focal.email = ""
    world.focal.save()

    run = send_reminders(today=deadline(world, 1))

    assert "inactive@example.org" not in recipients()
    assert "focal@example.org" not in recipients()
    assert run.without_address == [world.focal]
    assert not Reminder.objects.filter(user__in=[world.inactive, world.focal]).exists()


def test_rounds_that_are_not_open_are_not_reminded(world):
    for state in ("planned", "closed", "published"):
        world.round.state = state
        world.round.save()
        send_reminders(today=deadline(world, 1))
        send_reminders(today=deadline(world, -5))
    assert mail.outbox == []


def test_running_twice_on_the_same_day_sends_nothing_new(world, settings):
    settings.ESCALATE_AFTER_DAYS = 3
    day = deadline(world, -3)
    first = send_reminders(today=day)
    assert len(first.sent) == 5

    second = send_reminders(today=day)

    assert second.sent == []
    assert len(mail.outbox) == 5
    assert Reminder.objects.filter(sent_on=day).count() == 5
    # The next day is a new day.
    send_reminders(today=day + DAY)
    assert len(mail.outbox) == 10


def test_dry_run_sends_and_records_nothing(world, capsys):
    call_command("send_reminders", "--dry-run", "--date", deadline(world, 7).isoformat())

    assert mail.outbox == []
    assert not Reminder.objects.exists()
    out = capsys.readouterr().out
    assert "editor@example.org" in out
    assert "3 recipients, no mail sent" in out


def test_command_prints_a_summary_and_is_idempotent(world, capsys):
    day = deadline(world, 14).isoformat()
    call_command("send_reminders", "--date", day)
    assert "3 recipients, 3 mails sent." in capsys.readouterr().out

    call_command("send_reminders", "--date", day)
    assert "0 recipients, 0 mails sent." in capsys.readouterr().out
    assert len(mail.outbox) == 3


def test_command_refuses_a_malformed_date(world):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", "1-4-2022")


def test_reminder_days_come_from_settings(world, settings):
    settings.REMINDER_DAYS_BEFORE = [3]
    send_reminders(today=deadline(world, 7))
    assert mail.outbox == []
    send_reminders(today=deadline(world, 3))
    assert len(mail.outbox) == 3


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_mails_are_written_in_the_portals_default_language(world, settings, language):
    settings.LANGUAGE_CODE = language
    send_reminders(today=deadline(world, 7))

    message = mail_to(world.editor)
    assert message.extra_headers["Content-Language"] == language
    assert f"http://127.0.0.1:8000/{language}/report/" in message.body
    assert "/en/" not in message.body
    with translation.override(language):
        assert date_format(world.round.deadline, "j F Y") in message.body


def test_links_start_at_the_portal_base_url(world, settings):
    settings.PORTAL_BASE_URL = "https://nap1325.example.org"
    send_reminders(today=deadline(world, 7))

    assert "https://nap1325.example.org/en/report/" in mail_to(world.editor).body


class FailingForFocal(LocmemBackend):
    def send_messages(self, messages):
        if any("focal@" in message.to[0] for message in messages):
            raise OSError("mail server went away")
        return super().send_messages(messages)


def test_a_failed_mail_is_not_recorded_so_the_next_run_tries_again(world, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FailingForFocal"
    run = send_reminders(today=deadline(world, 7))

    assert [digest.user for digest in run.failed] == [world.focal]
    assert "focal@example.org" not in recipients()
    assert len(mail.outbox) == 2
    assert not Reminder.objects.filter(user=world.focal).exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    again = send_reminders(today=deadline(world, 7))
    assert [digest.user for digest in again.sent] == [world.focal]


def test_planning_takes_a_fixed_number_of_queries(world, settings):
    settings.ESCALATE_AFTER_DAYS = 1
    day = deadline(world, -1)
    with CaptureQueriesContext(connection) as few:
        plan_reminders(day)

    for n in range(3):
        organisation = OrganisationFactory()
        PlanOrganisation.objects.create(plan=world.plan, organisation=organisation)
        indicator = IndicatorFactory(goal=world.goal, code=f"x.{n}")
        ResponsibilityFactory(organisation=organisation, goal=world.goal, indicator=indicator)
        EntryFactory(
            round=world.round,
            organisation=organisation,
            goal=world.goal,
            indicator=IndicatorFactory(goal=world.goal, code=f"y.{n}"),
        )
        for role in (Membership.Role.EDITOR, Membership.Role.FOCAL_POINT):
            MembershipFactory(organisation=organisation, role=role)

    with CaptureQueriesContext(connection) as many:
        plan = plan_reminders(day)

    # open rounds, started entries, responsibilities, unfinished entries, reporters,
    # coordinating organisations, coordinators, today's reminders
    assert len(few) == len(many) == 8
    assert len(plan.digests) == 3 + 6 + 2


def test_sent_reminders_are_listed_read_only_in_the_admin(world, client):
    from django.urls import reverse

    send_reminders(today=deadline(world, 7))
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    response = client.get(reverse("admin:notifications_reminder_changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == 3
    assert client.get(reverse("admin:notifications_reminder_add")).status_code == 403
