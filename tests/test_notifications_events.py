"""Mails on workflow events: returned and approved entries to the organisation, a submission to
the coordinators; sent only when the transaction commits."""

from email.utils import parseaddr

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction

from notifications import links
from reporting import workflow
from reporting.models import ProgressEntry
from tests.factories import EntryFactory, IndicatorFactory, ResponsibilityFactory, UserFactory
from tests.roles import build_world

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


@pytest.fixture(autouse=True)
def english(settings):
    """Mails in English, so the texts checked stay the same when translations are added."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def world():
    world = build_world()
    world.coordinator.first_name, world.coordinator.last_name = "Carla", "Coördinator"
    world.coordinator.save()
    world.focal.first_name, world.focal.last_name = "Femke", "Focal"
    world.focal.save()
    return world


def draft(world, indicator=None, text="<p>Voortgang</p>") -> ProgressEntry:
    return EntryFactory(
        round=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=indicator or world.indicator,
        narrative_nl=text,
        last_edited_by=world.editor,
    )


def submitted(world, indicator=None) -> ProgressEntry:
    entry = draft(world, indicator)
    return workflow.submit_entry(acting_user=world.focal, entry=entry)


def recipients() -> list[str]:
    return sorted(parseaddr(message.to[0])[1] for message in mail.outbox)


def test_returning_an_entry_tells_the_organisation_with_the_comment(
    world, django_capture_on_commit_callbacks
):
    entry = submitted(world)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_entry(
            acting_user=world.coordinator, entry=entry, comment="Noem de bron.\nEn het jaar."
        )

    # The ministry's active editors and focal point; not the inactive editor, the other
    # ministry, the coordinators or the board.
    assert recipients() == ["editor@example.org", "focal@example.org"]
    message = mail.outbox[0]
    link = links.entry_url(entry.pk, "en")
    assert message.subject == (
        f"[NAP 1325 portal] Returned for revision: 1 / 1.a ({world.plan.short_name} 2022)"
    )
    assert "Carla Coördinator returned an entry of" in message.body
    assert "Noem de bron.\nEn het jaar." in message.body
    assert link in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "Noem de bron.<br>En het jaar." in html
    assert f'href="{link}"' in html
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_comment_is_escaped_in_the_html_mail(world, django_capture_on_commit_callbacks):
    entry = submitted(world)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_entry(
            acting_user=world.coordinator, entry=entry, comment="<script>x</script> & meer"
        )

    message = mail.outbox[0]
    assert "<script>x</script> & meer" in message.body
    assert "&lt;script&gt;x&lt;/script&gt; &amp; meer" in message.alternatives[0][0]


def test_approving_an_entry_tells_the_organisation(world, django_capture_on_commit_callbacks):
    entry = submitted(world)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve_entry(acting_user=world.coordinator, entry=entry, comment="Helder.")

    assert recipients() == ["editor@example.org", "focal@example.org"]
    message = mail.outbox[0]
    assert message.subject.startswith("[NAP 1325 portal] Approved: 1 / 1.a")
    assert "Carla Coördinator approved an entry of" in message.body
    assert "Helder." in message.body
    assert links.entry_url(entry.pk, "en") in message.body


def test_submitting_tells_each_coordinator_once_for_all_entries(
    world, django_capture_on_commit_callbacks
):
    second_indicator = IndicatorFactory(goal=world.goal, code="1.b")
    ResponsibilityFactory(organisation=world.ministry, goal=world.goal, indicator=second_indicator)
    first, second = draft(world), draft(world, second_indicator)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        workflow.submit_organisation(
            acting_user=world.focal, round_=world.round, organisation=world.ministry
        )

    # One mail per coordinator, for the whole submit action (one notification callback beside
    # the audit log's); the board member of the co-coordinating organisation is not a
    # coordinator.
    notifying = [c for c in callbacks if c.__qualname__.startswith("notify_submitted")]
    assert len(notifying) == 1
    assert len(mail.outbox) == 2
    assert recipients() == ["coordinator2@example.org", "coordinator@example.org"]
    message = next(m for m in mail.outbox if "coordinator@" in m.to[0])
    assert message.subject == (
        f"[NAP 1325 portal] {world.ministry.name_en} ({world.ministry.abbreviation_nl}) submitted "
        f"2 entries for {world.plan.short_name} 2022"
    )
    assert "Femke Focal submitted 2 entries" in message.body
    for entry in (first, second):
        assert links.review_url(entry, "en") in message.body
        assert f'href="{links.review_url(entry, "en")}"' in message.alternatives[0][0]
    assert links.review_queue_url(world.round, "en") in message.body
    assert "1 / 1.a" in message.body and "1 / 1.b" in message.body


def test_inactive_coordinators_get_nothing(world, django_capture_on_commit_callbacks):
    world.second_coordinator.is_active = False
    world.second_coordinator.save()
    draft(world)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_organisation(
            acting_user=world.focal, round_=world.round, organisation=world.ministry
        )

    assert recipients() == ["coordinator@example.org"]


def test_the_acting_user_is_not_told_of_their_own_action(world, django_capture_on_commit_callbacks):
    # A focal point of the ministry who also coordinates the plan submits.
    from tests.factories import MembershipFactory

    both = UserFactory(username="both")
    MembershipFactory(user=both, organisation=world.ministry, role="focal_point")
    MembershipFactory(user=both, organisation=world.coordinating, role="coordinator")
    draft(world)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_organisation(
            acting_user=both, round_=world.round, organisation=world.ministry
        )

    assert "both@example.org" not in recipients()
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("event", ["return", "approve", "submit"])
def test_a_rolled_back_transition_sends_nothing(world, event, django_capture_on_commit_callbacks):
    entry = draft(world) if event == "submit" else submitted(world)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        if event == "return":
            workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="Bron?")
        elif event == "approve":
            workflow.approve_entry(acting_user=world.coordinator, entry=entry)
        else:
            workflow.submit_organisation(
                acting_user=world.focal, round_=world.round, organisation=world.ministry
            )
        raise Rollback

    assert callbacks == []
    assert mail.outbox == []
    entry.refresh_from_db()
    assert entry.status == ("draft" if event == "submit" else "submitted")


def test_a_refused_transition_sends_nothing(world, django_capture_on_commit_callbacks):
    entry = submitted(world)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        workflow.return_entry(acting_user=world.editor, entry=entry, comment="Bron?")
    assert mail.outbox == []


class BrokenBackend(LocmemBackend):
    def send_messages(self, messages):
        raise OSError("mail server went away")


def test_a_failing_mail_server_does_not_undo_the_transition(
    world, settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"
    entry = submitted(world)

    with django_capture_on_commit_callbacks(execute=True):
        returned = workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="?")

    assert returned.status == "returned"
    entry.refresh_from_db()
    assert entry.status == "returned"
    assert "mail server went away" in caplog.text
