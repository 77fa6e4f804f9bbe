"""The audit trail: every change, transition, role change, login and refusal leaves an event with
actor, UTC time, action, object, old → new values and request id, as a row and as a JSON line;
no password, hash or session key ever appears in either."""

from __future__ import annotations

import datetime
import io
import json
import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Membership
from audit.context import acting_as
from audit.middleware import HEADER, AuditMiddleware
from audit.models import AppendOnlyError, AuditEvent
from indicators.models import Organisation
from reporting import workflow
from reporting.models import (
    CoverLetter,
    Example,
    LetterSignature,
    PlanNarrative,
    ProgressEntry,
    ProgressValue,
    Reference,
)
from tests.factories import EntryFactory, MembershipFactory, UserFactory, ValueFactory
from tests.otp import VerifiedClient as Client
from tests.roles import build_world
from tests.urlmatrix import form_data

pytestmark = pytest.mark.django_db

PASSWORD = "Geheim-wachtwoord-1325!"
WRONG_PASSWORD = "Fout-wachtwoord-9876!"
Category = AuditEvent.Category
Action = AuditEvent.Action


@pytest.fixture
def log_output():
    """What the configured console handler (shared by the root, django and audit loggers)
    writes during the test."""
    handler = next(h for h in logging.getLogger("audit").handlers if h.name == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


@pytest.fixture
def world():
    return build_world()


def events(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("pk"))


def only_event(**filters) -> AuditEvent:
    found = events(**filters)
    assert len(found) == 1, found
    return found[0]


def json_lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


# --- progress data ------------------------------------------------------------------------------


def test_workflow_writes_record_create_update_and_transitions_with_the_acting_user(world):
    entry = workflow.start_entry(
        acting_user=world.editor,
        round_=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
    )
    created = only_event(object_type="reporting.progressentry", action=Action.CREATE)
    assert created.category == Category.PROGRESS
    assert created.actor == world.editor and created.actor_name == "editor"
    assert created.object_id == str(entry.pk) and created.object_repr == str(entry)
    assert created.changes["status"] == [None, "draft"]
    assert created.at.utcoffset() == datetime.timedelta(0)

    entry = ProgressEntry.objects.get(pk=entry.pk)
    entry.narrative_nl = "<p>Nieuw.</p>"
    workflow.save_entry(acting_user=world.editor, entry=entry, expected_version=entry.version)
    updated = only_event(object_type="reporting.progressentry", action=Action.UPDATE)
    assert updated.actor == world.editor
    # Only what changed, old → new; updated_at (changed on every save) is left out.
    assert updated.changes == {
        "narrative_nl": [None, "<p>Nieuw.</p>"],
        "version": [1, 2],
    }

    workflow.submit_entry(acting_user=world.focal, entry=entry)
    transitions = events(action=Action.TRANSITION)
    assert [(t.changes["status"], t.actor_name) for t in transitions] == [
        ([None, "draft"], "editor"),
        (["draft", "submitted"], "focal"),
    ]
    assert {t.category for t in transitions} == {Category.WORKFLOW}
    assert transitions[-1].object_type == "reporting.progressentry"
    assert transitions[-1].object_id == str(entry.pk)


def test_each_kind_of_progress_data_records_create_update_and_delete(world):
    entry = EntryFactory(
        round=world.round, organisation=world.ministry, goal=world.goal, indicator=world.indicator
    )
    makers = {
        ProgressValue: lambda: ValueFactory(entry=entry, value=5),
        Reference: lambda: Reference.objects.create(entry=entry, kind="report", title="Rapport"),
        Example: lambda: Example.objects.create(entry=entry, title="Training"),
        CoverLetter: lambda: CoverLetter.objects.create(round=world.round, subject="Voortgang"),
        PlanNarrative: lambda: PlanNarrative.objects.create(
            plan=world.plan, goal=world.goal, kind="closing"
        ),
    }
    with acting_as(world.coordinator):
        for model, make in makers.items():
            obj = make()
            label = model._meta.label_lower
            created = only_event(object_type=label, action=Action.CREATE)
            assert (created.category, created.object_id) == (Category.PROGRESS, str(obj.pk))
            assert created.actor == world.coordinator
            field = {
                ProgressValue: "value",
                Reference: "title",
                Example: "title_nl",
                CoverLetter: "subject_nl",
                PlanNarrative: "title_nl",
            }[model]
            old = type(obj).objects.values_list(field, flat=True).get(pk=obj.pk)
            setattr(obj, field, "2" if model is ProgressValue else "Ander")
            obj.save()
            updated = only_event(object_type=label, action=Action.UPDATE)
            # Decimals as written to the database ("5.00"), as text.
            assert updated.changes == {
                field: [str(old) if model is ProgressValue else old, obj.__dict__[field]]
            }
            pk = obj.pk
            obj.delete()
            deleted = only_event(object_type=label, action=Action.DELETE)
            assert deleted.object_id == str(pk) and deleted.actor == world.coordinator
        letter = CoverLetter.objects.create(round=world.round, subject="Brief")
        signature = LetterSignature.objects.create(letter=letter, name="Minister", title="BZ")
    created = only_event(object_type="reporting.lettersignature", action=Action.CREATE)
    assert created.object_id == str(signature.pk)
    assert created.changes["name"] == [None, "Minister"]
    assert created.changes["title_en"] == [None, "BZ"]


def test_saving_without_a_change_records_nothing(world):
    entry = EntryFactory(
        round=world.round, organisation=world.ministry, goal=world.goal, indicator=world.indicator
    )
    before = AuditEvent.objects.count()
    ProgressEntry.objects.get(pk=entry.pk).save()
    assert AuditEvent.objects.count() == before


def test_a_framework_object_changed_in_the_admin_records_who_what_and_the_request_id(world):
    admin = UserFactory(username="beheer", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    organisation = world.ministry
    url = reverse("admin:indicators_organisation_change", args=[organisation.pk])
    data = form_data(client.get(url))
    old_name = organisation.name_nl
    data["name_nl"] = "Ministerie van Defensie (nieuw)"

    response = client.post(url, data, HTTP_X_REQUEST_ID="from-the-client")

    assert response.status_code == 302, response.context and response.context["errors"]
    event = only_event(object_type="indicators.organisation", action=Action.UPDATE)
    assert event.category == Category.FRAMEWORK
    assert event.actor == admin
    assert event.changes["name_nl"] == [old_name, "Ministerie van Defensie (nieuw)"]
    assert event.object_repr == str(Organisation.objects.get(pk=organisation.pk))
    assert (event.method, event.path) == ("POST", url)
    # The client is no trusted proxy: its id is replaced by one of ours, sent back in the header.
    assert event.request_id == response[HEADER] != "from-the-client"
    assert len(event.request_id) == 32


# --- roles and accounts -------------------------------------------------------------------------


def test_membership_changes_are_role_events(world):
    admin = UserFactory(username="beheer", is_staff=True, is_superuser=True)
    user = UserFactory(username="nieuw")
    since = AuditEvent.objects.count() and AuditEvent.objects.latest("pk").pk
    with acting_as(admin):
        membership = MembershipFactory(user=user, organisation=world.ministry, role="editor")
        membership.role = Membership.Role.FOCAL_POINT
        membership.save()
        pk = membership.pk
        membership.delete()
    found = events(object_type="accounts.membership", pk__gt=since)
    assert [(e.action, e.category, e.actor_name) for e in found] == [
        (Action.CREATE, Category.ROLE, "beheer"),
        (Action.UPDATE, Category.ROLE, "beheer"),
        (Action.DELETE, Category.ROLE, "beheer"),
    ]
    assert found[0].changes["role"] == [None, "editor"]
    assert found[1].changes == {"role": ["editor", "focal_point"]}
    assert found[2].object_id == str(pk)
    assert found[2].changes["role"] == ["focal_point", None]


def test_activation_and_staff_flags_are_role_events(world):
    admin = UserFactory(username="beheer", is_staff=True, is_superuser=True)
    user = world.editor
    with acting_as(admin):
        user.is_active = False
        user.save()
        user.is_active = True
        user.is_staff = True
        user.is_superuser = True
        user.save()
    found = events(object_type="accounts.user", object_id=str(user.pk), action=Action.UPDATE)
    assert [e.changes for e in found] == [
        {"is_active": [True, False]},
        {"is_active": [False, True], "is_staff": [False, True], "is_superuser": [False, True]},
    ]
    assert {(e.category, e.actor_name) for e in found} == {(Category.ROLE, "beheer")}


def test_group_membership_of_a_user_is_a_role_event(world):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="Beheerders")
    world.editor.groups.add(group)
    event = only_event(object_type="accounts.user", action=Action.UPDATE)
    assert event.changes == {"groups": [[], [group.pk]]}


# --- logins, logouts, refusals ------------------------------------------------------------------


def test_login_success_failure_and_logout(world, django_capture_on_commit_callbacks):
    user = UserFactory(username="inlogger")
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        failed = client.post(reverse("login"), {"username": "inlogger", "password": WRONG_PASSWORD})
    assert failed.status_code == 200
    failure = only_event(action=Action.LOGIN_FAILED)
    assert (failure.category, failure.actor, failure.actor_name) == (
        Category.AUTH,
        None,
        "inlogger",
    )
    assert failure.request_id == failed[HEADER]
    assert failure.path == reverse("login") and failure.ip == "127.0.0.1"

    client.force_login(user)
    login = only_event(action=Action.LOGIN)
    assert (login.actor, login.object_type, login.object_id) == (
        user,
        "accounts.user",
        str(user.pk),
    )

    response = client.post(reverse("logout"))
    logout = only_event(action=Action.LOGOUT)
    assert logout.actor == user and logout.request_id == response[HEADER]


def test_a_permission_denied_is_recorded(world):
    entry = EntryFactory(
        round=world.round, organisation=world.ministry, goal=world.goal, indicator=world.indicator
    )
    client = Client()
    client.force_login(world.editor)
    url = reverse("workspace:reporting_progressentry_delete", args=[entry.pk])

    response = client.post(url, {"post": "yes"})

    assert response.status_code == 403
    event = only_event(action=Action.DENIED)
    assert (event.category, event.actor, event.status_code) == (Category.ACCESS, world.editor, 403)
    assert (event.method, event.path, event.request_id) == ("POST", url, response[HEADER])


def test_a_csrf_refusal_is_recorded_without_a_user():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    event = only_event(action=Action.DENIED)
    assert event.actor is None and event.status_code == 403


@pytest.mark.parametrize("status", [401, 429])
def test_unauthorised_and_throttled_answers_are_recorded(status):
    middleware = AuditMiddleware(lambda request: HttpResponse(status=status))
    response = middleware(RequestFactory().get("/api/entries/"))
    event = only_event(action=Action.DENIED)
    assert event.status_code == status and event.path == "/api/entries/"
    assert event.request_id == response[HEADER]


def test_an_ordinary_answer_is_not_a_refusal(world):
    client = Client()
    client.force_login(world.editor)
    assert client.get(reverse("workspace:index")).status_code == 200
    assert not events(action=Action.DENIED)


# --- request ids --------------------------------------------------------------------------------


def test_a_trusted_proxys_request_id_is_kept_and_an_invalid_one_replaced(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    client = Client()
    kept = client.get(reverse("public:home"), HTTP_X_REQUEST_ID="lb-4f2a.9")
    assert kept[HEADER] == "lb-4f2a.9"
    forged = client.get(reverse("public:home"), HTTP_X_REQUEST_ID='x" level="ERROR\n')
    assert forged[HEADER] != 'x" level="ERROR\n' and len(forged[HEADER]) == 32
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    untrusted = client.get(reverse("public:home"), HTTP_X_REQUEST_ID="lb-4f2a.9")
    assert untrusted[HEADER] != "lb-4f2a.9"


def test_every_log_line_of_a_request_carries_its_request_id(world, log_output):
    client = Client()
    client.force_login(world.editor)
    response = client.get(reverse("workspace:index") + "no-such-page/")
    assert response.status_code == 404
    lines = [line for line in json_lines(log_output) if line["logger"] == "django.request"]
    assert lines, log_output.getvalue()
    assert {line["request_id"] for line in lines} == {response[HEADER]}


# --- the trail itself ---------------------------------------------------------------------------


def test_events_cannot_be_changed_or_deleted(world):
    with acting_as(world.coordinator):
        Organisation.objects.filter(pk=world.ministry.pk).first().save()
        world.ministry.name_nl = "Anders"
        world.ministry.save()
    event = AuditEvent.objects.latest("pk")
    event.action = Action.DELETE
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(action=Action.DELETE)


def test_the_admin_shows_events_and_allows_no_change():
    admin = UserFactory(username="beheer", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    event = AuditEvent.objects.latest("pk")  # the login just now
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).status_code == 200
    response = client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": 1})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# --- JSON and secrets ---------------------------------------------------------------------------


def test_no_secret_reaches_an_event_or_a_log_line(
    world, log_output, django_capture_on_commit_callbacks
):
    user = UserFactory(username="geheim")
    user.set_password(PASSWORD)
    user.save()
    MembershipFactory(user=user, organisation=world.ministry, role="editor")
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("login"), {"username": "geheim", "password": WRONG_PASSWORD})
        response = client.post(reverse("login"), {"username": "geheim", "password": PASSWORD})
        assert response.status_code == 302
        session_key = client.session.session_key
        client.get(reverse("workspace:index"))
        client.post(reverse("logout"))
        # A password change is recorded as a change, without the hashes.
        user.refresh_from_db()
        old_hash = user.password
        user.set_password(WRONG_PASSWORD + "x")
        user.save()
    assert session_key
    changed = events(object_type="accounts.user", action=Action.UPDATE)[-1]
    assert changed.changes == {"password": ["[redacted]", "[redacted]"]}

    output = log_output.getvalue()
    trail = json.dumps([event.as_log() for event in AuditEvent.objects.all()])
    assert {"login_failed", "login", "logout"} <= {e.action for e in AuditEvent.objects.all()}
    for secret in (PASSWORD, WRONG_PASSWORD, old_hash, user.password, session_key):
        assert secret not in output
        assert secret not in trail


def test_audit_events_are_json_lines_with_every_field(
    world, log_output, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(world.editor)
    entry = EntryFactory(
        round=world.round, organisation=world.ministry, goal=world.goal, indicator=world.indicator
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("workspace:reporting_progressentry_delete", args=[entry.pk]), {"post": "yes"}
        )
    lines = json_lines(log_output)  # every line parses
    audit = [line for line in lines if line["logger"] == "audit"]
    assert len(audit) == 1, lines
    line = audit[0]
    assert line["level"] == "INFO" and line["time"].endswith("Z")
    assert line["request_id"] == response[HEADER]
    assert line["audit"] == {
        **line["audit"],
        "category": "access",
        "action": "denied",
        "actor": "editor",
        "actor_id": world.editor.pk,
        "request_id": response[HEADER],
        "status_code": 403,
        "method": "POST",
    }
    assert line["audit"]["at"].endswith("Z")
    # Django's own warning about the refusal is a JSON line with the same request id.
    refused = [line for line in lines if line["logger"] == "django.request"]
    assert refused and refused[0]["request_id"] == response[HEADER]


def test_text_log_format_is_available(settings):
    from django.utils.log import configure_logging

    logging_config = {**settings.LOGGING}
    logging_config["handlers"] = {
        "console": {**settings.LOGGING["handlers"]["console"], "formatter": "text"}
    }
    stream = io.StringIO()
    try:
        configure_logging(settings.LOGGING_CONFIG, logging_config)
        handler = next(h for h in logging.getLogger("audit").handlers if h.name == "console")
        handler.setStream(stream)
        logging.getLogger("audit").info("hallo")
        assert stream.getvalue().rstrip().endswith("INFO audit [] hallo")
    finally:
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def test_the_client_address_comes_from_trusted_proxies_only(settings):
    middleware = AuditMiddleware(lambda request: HttpResponse(status=403))
    forwarded = {"HTTP_X_FORWARDED_FOR": "203.0.113.9, 10.0.0.7"}
    middleware(RequestFactory().get("/", **forwarded))
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    middleware(RequestFactory().get("/", **forwarded))
    assert [event.ip for event in events(action=Action.DENIED)] == ["127.0.0.1", "203.0.113.9"]


def test_a_login_locked_out_by_throttling_is_a_429_refusal(settings):
    user = UserFactory(username="doelwit")
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    answers = [
        client.post(reverse("login"), {"username": "doelwit", "password": WRONG_PASSWORD})
        for _attempt in range(settings.AXES_FAILURE_LIMIT + 1)
    ]
    assert answers[-1].status_code == 429
    refused = events(action=Action.DENIED)
    assert [(e.status_code, e.path) for e in refused][-1] == (429, reverse("login"))
    assert refused[-1].request_id == answers[-1][HEADER]
    failures = events(action=Action.LOGIN_FAILED)
    assert len(failures) >= settings.AXES_FAILURE_LIMIT
    assert {e.actor_name for e in failures} == {"doelwit"}


def test_a_refusal_stands_when_the_trail_cannot_be_written(monkeypatch, log_output):
    from django.db import DatabaseError

    def broken(*args, **kwargs):
        raise DatabaseError("database unavailable")

    monkeypatch.setattr(AuditEvent, "save", broken)
    middleware = AuditMiddleware(lambda request: HttpResponse(status=403))
    response = middleware(RequestFactory().get("/nl/report/"))
    assert response.status_code == 403
    line = next(line for line in json_lines(log_output) if line["logger"] == "audit")
    assert line["message"] == "access denied (not stored)" and line["status_code"] == 403
    assert line["request_id"] == response[HEADER]
