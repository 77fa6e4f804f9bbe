"""Who may reach which data-entry and coordination URL, with which method: one table, every cell.

Every URL pattern of the reporting workspace (/<lang>/report/, including what Django's AdminSite
adds by itself), of the coordinators' pages (/<lang>/coordination/) and the spreadsheet
import/export views of the main admin has a row in EXPECTED. `test_every_url_pattern_has_a_row`
fails when a pattern is added without one, so a new view cannot ship without deciding who may
use it. Each cell is a test of its own (id: role-method-urlname); a cell that is not DONE must
leave every entry, round and row count as it was.

The objects requested belong to the reporting ministry ("def"); the editor of another ministry
("jenv") stands for every outsider of that organisation, and a staff superuser shows that the
main admin's import and export are open to staff only. POSTs carry data that would succeed for
the role allowed to make them, so a refusal is a refusal and not a form error.
`test_someone_elses_objects_are_404_and_stay_unchanged` adds objects of another plan and
another organisation: 404 for coordinators, the board, editors and focal points alike.

Every other URL pattern of the project (public pages, the API, the Django admin, the report
pages, accounts, the language switch, the health endpoint) is covered by a rule at the end of
this module (RULES, `rule_for`): one test per pattern and method, every role in it, and
`test_every_url_pattern_is_covered` fails for a pattern that neither the table nor a rule covers.
Roles: those of the table plus the second coordinator and staff without superuser rights.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership, User
from exchange.exports import export_plans
from exchange.tabular import CSV
from indicators.models import Goal, Indicator, Organisation, Plan, Responsibility, Subgoal
from notifications.models import Reminder
from reporting import workflow
from reporting.models import (
    CoverLetter,
    EntryComment,
    EntryTransition,
    Example,
    LetterSignature,
    LockException,
    PlanNarrative,
    ProgressEntry,
    ProgressValue,
    Reference,
    ReportingRound,
)
from reports.models import PublishedReport, ReportJob
from tests.factories import (
    CategoryFactory,
    EntryFactory,
    GoalFactory,
    IndicatorFactory,
    MembershipFactory,
    OrganisationFactory,
    PlanFactory,
    PlanOrganisationFactory,
    ResponsibilityFactory,
    RoundFactory,
    SubgoalFactory,
    UserFactory,
    ValueFactory,
)
from tests.otp import VerifiedClient as Client
from tests.roles import World, build_world
from tests.urlmatrix import redirect_path, routes

pytestmark = pytest.mark.django_db

LANGUAGE = "nl"

# What a request gets.
OK = "200"  # the page (or file); nothing written
LOGIN = "login"  # 302 to the login page of that part of the portal; nothing written
MOVED = "moved"  # 302 elsewhere; nothing written (a refusal sent back with its reason, ...)
DONE = "done"  # 302 after the change was made: the only cells allowed to write
DENIED = "403"  # refused; nothing written
HIDDEN = "404"  # not there for this user; nothing written
METHOD = "405"  # method not allowed; nothing written

# The columns of EXPECTED, in this order.
ROLES = (
    "anonymous",
    "editor",  # editor of the entries' organisation
    "other_editor",  # editor of another organisation
    "focal",  # focal point of the entries' organisation
    "coordinator",  # coordinator of the plan (and member of the coordinating ministry)
    "board",  # member of the oversight board (through a civil-society organisation)
    "inactive",  # a deactivated editor of the entries' organisation, still logged in
    "superuser",  # staff superuser of the main admin, member of no organisation
)
# Two more columns, the same as another in the table above (see `expected_cell`), and written
# out in the rules further down.
MORE_ROLES = (
    "second_coordinator",  # the plan's other coordinator: the same rights as the first
    "staff",  # staff of the main admin without superuser rights, member of no organisation
)
ALL_ROLES = ROLES + MORE_ROLES


# --- the objects the URLs are requested with --------------------------------------------------


@dataclass
class Scene:
    world: World
    draft: ProgressEntry  # the ministry's draft (1.a), editable, last year's text to copy
    submitted: ProgressEntry  # the ministry's submitted entry (1.b), ready for review
    approved: ProgressEntry  # the ministry's approved entry (1.c)
    not_started: Responsibility  # a worklist item of the ministry without an entry (1.d)
    superuser: User
    published: ProgressEntry  # last year's published entry (1.a)
    subgoal: Subgoal
    job: ReportJob  # a finished report of this year's round
    report: PublishedReport  # last year's published report
    staff: User  # staff of the main admin with a few permissions, member of no organisation


def text(entry, narrative: str) -> ProgressEntry:
    entry = ProgressEntry.objects.get(pk=entry.pk)
    entry.narrative_nl = narrative
    return entry


def build_scene() -> Scene:
    world = build_world()
    ministry, goal, editor = world.ministry, world.goal, world.editor
    indicators = {"1.a": world.indicator}
    for code in ("1.b", "1.c", "1.d"):
        indicators[code] = IndicatorFactory(goal=goal, code=code)
        ResponsibilityFactory(organisation=ministry, goal=goal, indicator=indicators[code])
    CategoryFactory(indicator=indicators["1.b"], code="national", label_nl="Nationaal")

    last_year = RoundFactory(plan=world.plan, year=2021, state=ReportingRound.State.PUBLISHED)
    published = EntryFactory(
        round=last_year,
        organisation=ministry,
        goal=goal,
        indicator=indicators["1.a"],
        status=ProgressEntry.Status.PUBLISHED,
        narrative_nl="<p>Vorig jaar.</p>",
        narrative_en="<p>Last year.</p>",
    )

    def started(code, narrative):
        entry = workflow.start_entry(
            acting_user=editor,
            round_=world.round,
            organisation=ministry,
            goal=goal,
            indicator=indicators[code],
        )
        entry = text(entry, narrative)
        return workflow.save_entry(acting_user=editor, entry=entry, expected_version=entry.version)

    draft = started("1.a", "<p>Dit jaar.</p>")
    submitted = workflow.submit_entry(
        acting_user=world.focal, entry=started("1.b", "<p>Ingediend.</p>")
    )
    approved = workflow.approve_entry(
        acting_user=world.coordinator,
        entry=workflow.submit_entry(
            acting_user=world.focal, entry=started("1.c", "<p>Goedgekeurd.</p>")
        ),
    )
    # One object of every kind the admin shows, so each change, history and delete page of the
    # admin is requested with an object that exists.
    subgoal = SubgoalFactory(goal=goal, number="1.1")
    ValueFactory(entry=draft, value=3)
    Reference.objects.create(entry=draft, kind=Reference.Kind.DOCUMENT, title="Rapport")
    Example.objects.create(entry=draft, title_nl="Training")
    letter = CoverLetter.objects.create(round=last_year, subject_nl="Voortgang")
    LetterSignature.objects.create(letter=letter, name="Minister", title_nl="Minister")
    PlanNarrative.objects.create(plan=world.plan, goal=goal, kind=PlanNarrative.Kind.CLOSING)
    workflow.add_comment(acting_user=world.coordinator, entry=submitted, text="Bron?")
    Group.objects.create(name="Coordinators")
    # Expired long ago and revoked: it unlocks nothing the table above is about.
    LockException.objects.create(
        entry=published,
        granted_by=world.coordinator,
        reason="Correctie",
        expires_at=datetime.datetime(2022, 6, 1, tzinfo=datetime.UTC),
        revoked_at=datetime.datetime(2022, 5, 1, tzinfo=datetime.UTC),
    )
    attempt = {"user_agent": "test", "ip_address": "192.0.2.1", "username": "nobody"}
    attempt.update(http_accept="*/*", path_info="/nl/accounts/login/")
    AccessAttempt.objects.create(**attempt, get_data="", post_data="", failures_since_start=1)
    AccessFailureLog.objects.create(**attempt)
    Reminder.objects.create(
        user=editor,
        round=world.round,
        kind=Reminder.Kind.choices[0][0],
        sent_on=datetime.date(2022, 3, 1),
    )
    staff = UserFactory(username="staff", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="indicators", codename__startswith="view_"
        )
        | Permission.objects.filter(content_type__app_label="indicators", codename="change_plan")
    )
    job = ReportJob.objects.create(
        round=world.round,
        requested_by=world.coordinator,
        format="docx",
        layout="organisation",
        language="nl",
        status=ReportJob.Status.DONE,
        filename="rapport.docx",
        content_type="application/octet-stream",
        content=b"docx",
    )
    report = PublishedReport.objects.create(
        round=last_year,
        version=1,
        format="pdf",
        layout="organisation",
        language="nl",
        filename="rapport-2021.pdf",
        content_type="application/pdf",
        content=b"%PDF-1.7",
        sha256="0" * 64,
    )
    return Scene(
        world=world,
        draft=draft,
        submitted=submitted,
        approved=approved,
        not_started=Responsibility.objects.get(organisation=ministry, indicator=indicators["1.d"]),
        superuser=UserFactory(username="admin", is_staff=True, is_superuser=True),
        published=published,
        subgoal=subgoal,
        job=job,
        report=report,
        staff=staff,
    )


def snapshot() -> dict:
    """Everything a refused request must leave alone."""
    counted = [
        ProgressEntry,
        ProgressEntry.history.model,
        ProgressValue,
        Example,
        Reference,
        EntryComment,
        EntryTransition,
        LockException,
        ReportingRound,
        Plan,
        Goal,
        Indicator,
        Organisation,
        Responsibility,
        Membership,
        User,
    ]
    return {
        "counts": {model.__name__: model.objects.count() for model in counted},
        "entries": list(
            ProgressEntry.objects.order_by("pk").values_list(
                "pk", "status", "version", "narrative_nl", "narrative_en", "last_edited_by_id"
            )
        ),
        "rounds": list(
            ReportingRound.objects.order_by("pk").values_list(
                "pk", "state", "publish_at", "published_at"
            )
        ),
    }


# --- the URLs: which pattern, requested how -----------------------------------------------------


def ws(name: str, *args) -> str:
    return reverse(f"workspace:{name}", args=args)


def ws_entry(name: str) -> Callable[[Scene], str]:
    return lambda s: ws(f"reporting_progressentry_{name}", s.draft.pk)


def review(name: str, entry: str = "submitted") -> Callable[[Scene], str]:
    def path(s):
        round_ = s.world.round
        return reverse(
            f"coordination:{name}",
            args=[s.world.plan.slug, round_.year, getattr(s, entry).pk],
        )

    return path


def of_round(name: str) -> Callable[[Scene], str]:
    return lambda s: reverse(f"coordination:{name}", args=[s.world.plan.slug, s.world.round.year])


def entry_form_data(s: Scene) -> dict:
    """What the editor's browser posts back from the draft's page, with a new narrative."""
    editor = Client()
    editor.force_login(s.world.editor)
    response = editor.get(ws("reporting_progressentry_change", s.draft.pk))
    assert response.status_code == 200
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update(
            {management.add_prefix(name): management[name].value() for name in management.fields}
        )
        forms += inline.formset.forms
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            data[form.add_prefix(name)] = "" if value is None else value
    data["narrative_nl"] = "<p>Aangepast.</p>"
    return data


def plan_file(s: Scene) -> dict:
    """The plan as exported, plus a new goal: importing it writes."""
    _name, _type, content = export_plans([s.world.plan], CSV)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    goal_row = next(row for row in rows if row["type"] == "goal")
    rows.append({**goal_row, "goal": "9", "title_nl": "Nieuw doel"})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    upload = SimpleUploadedFile("plan.csv", out.getvalue().encode(), content_type="text/csv")
    return {"file": upload}


def progress_file(s: Scene) -> dict:
    """A new draft of the other ministry: importing it writes."""
    content = (
        "plan_slug,year,organisation,goal,subgoal,indicator,category,value,currency,status,"
        "not_reported,narrative_nl\n"
        f"{s.world.plan.slug},2022,{s.world.other.slug},1,,1.a,,5,,draft,,<p>Vijf.</p>\n"
    )
    upload = SimpleUploadedFile("progress.csv", content.encode(), content_type="text/csv")
    return {"file": upload}


@dataclass(frozen=True)
class Url:
    route: str
    path: Callable[[Scene], str]
    post: Callable[[Scene], dict] = lambda s: {}


URLS: dict[str, Url] = {
    # The workspace's own views.
    "workspace:index": Url("report/", lambda s: ws("index")),
    "workspace:start_entry": Url(
        "report/start/",
        lambda s: ws("start_entry"),
        lambda s: {"responsibility": s.not_started.pk, "round": s.world.round.pk},
    ),
    "workspace:submit_organisation": Url(
        "report/submit/",
        lambda s: ws("submit_organisation"),
        lambda s: {"organisation": s.world.ministry.pk, "round": s.world.round.pk},
    ),
    "workspace:reporting_progressentry_changelist": Url(
        "report/reporting/progressentry/", lambda s: ws("reporting_progressentry_changelist")
    ),
    "workspace:reporting_progressentry_change": Url(
        "report/reporting/progressentry/<path:object_id>/change/",
        ws_entry("change"),
        entry_form_data,
    ),
    "workspace:reporting_progressentry_submit": Url(
        "report/reporting/progressentry/<path:object_id>/submit/", ws_entry("submit")
    ),
    "workspace:reporting_progressentry_copy_previous": Url(
        "report/reporting/progressentry/<path:object_id>/copy-last-year/",
        ws_entry("copy_previous"),
        lambda s: {"expected_version": s.draft.version},
    ),
    "workspace:reporting_progressentry_comment": Url(
        "report/reporting/progressentry/<path:object_id>/comment/",
        ws_entry("comment"),
        lambda s: {"text": "Klopt dit cijfer?"},
    ),
    "workspace:reporting_progressentry_compare": Url(
        "report/reporting/progressentry/<path:object_id>/compare/", ws_entry("compare")
    ),
    "workspace:reporting_progressentry_history": Url(
        "report/reporting/progressentry/<path:object_id>/history/", ws_entry("history")
    ),
    # What Django's AdminSite and ModelAdmin (and simple-history) add by themselves.
    "workspace:reporting_progressentry_simple_history": Url(
        "report/reporting/progressentry/([^/]+)/history/([^/]+)/$",
        lambda s: ws(
            "reporting_progressentry_simple_history",
            s.draft.pk,
            s.draft.history.order_by("history_id").first().history_id,
        ),
    ),
    "workspace:reporting_progressentry_add": Url(
        "report/reporting/progressentry/add/",
        lambda s: ws("reporting_progressentry_add"),
        entry_form_data,
    ),
    "workspace:reporting_progressentry_delete": Url(
        "report/reporting/progressentry/<path:object_id>/delete/",
        ws_entry("delete"),
        lambda s: {"post": "yes"},
    ),
    "workspace:<entry>": Url(
        "report/reporting/progressentry/<path:object_id>/",
        lambda s: ws("reporting_progressentry_changelist") + f"{s.draft.pk}/",
    ),
    "workspace:app_list": Url(
        "report/(?P<app_label>reporting)/$", lambda s: ws("app_list", "reporting")
    ),
    "workspace:login": Url("report/login/", lambda s: ws("login")),
    "workspace:logout": Url("report/logout/", lambda s: ws("logout")),
    "workspace:password_change": Url("report/password_change/", lambda s: ws("password_change")),
    "workspace:password_change_done": Url(
        "report/password_change/done/", lambda s: ws("password_change_done")
    ),
    "workspace:autocomplete": Url(
        "report/autocomplete/",
        lambda s: (
            ws("autocomplete") + "?app_label=reporting&model_name=example&field_name=entry&term="
        ),
    ),
    "workspace:jsi18n": Url("report/jsi18n/", lambda s: ws("jsi18n")),
    "workspace:view_on_site": Url(
        "report/r/<path:content_type_id>/<path:object_id>/",
        lambda s: ws(
            "view_on_site", ContentType.objects.get_for_model(ProgressEntry).pk, s.draft.pk
        ),
    ),
    "workspace:<catch-all>": Url("report/(?P<url>.*)$", lambda s: ws("index") + "no-such-page/"),
    # The coordinators' pages.
    "coordination:index": Url("coordination/", lambda s: reverse("coordination:index")),
    "coordination:plan": Url(
        "coordination/<slug:slug>/",
        lambda s: reverse("coordination:plan", args=[s.world.plan.slug]),
    ),
    "coordination:round-state": Url(
        "coordination/<slug:slug>/<int:year>/state/",
        of_round("round-state"),
        lambda s: {"state": ReportingRound.State.CLOSED},
    ),
    "coordination:publication": Url(
        "coordination/<slug:slug>/<int:year>/publication/",
        of_round("publication"),
        lambda s: {f"round-{s.world.round.pk}-now": "True"},
    ),
    "coordination:queue": Url("coordination/<slug:slug>/<int:year>/review/", of_round("queue")),
    "coordination:review": Url(
        "coordination/<slug:slug>/<int:year>/review/<int:pk>/", review("review")
    ),
    "coordination:comment": Url(
        "coordination/<slug:slug>/<int:year>/review/<int:pk>/comment/",
        review("comment"),
        lambda s: {"text": "Waar komt dit cijfer vandaan?"},
    ),
    "coordination:return": Url(
        "coordination/<slug:slug>/<int:year>/review/<int:pk>/return/",
        review("return"),
        lambda s: {"comment": "Noem de bron."},
    ),
    "coordination:approve": Url(
        "coordination/<slug:slug>/<int:year>/review/<int:pk>/approve/", review("approve")
    ),
    "coordination:lock-exception": Url(
        "coordination/<slug:slug>/<int:year>/review/<int:pk>/lock-exception/",
        review("lock-exception", "approved"),
        lambda s: {"reason": "Correctie van een cijfer", "until": "2099-01-01T10:00"},
    ),
    "coordination:diff": Url(
        "coordination/<slug:slug>/<int:year>/review/<int:pk>/diff/", review("diff")
    ),
    "coordination:dashboard": Url(
        "coordination/<slug:slug>/<int:year>/dashboard/", of_round("dashboard")
    ),
    "coordination:dashboard-cell": Url(
        "coordination/<slug:slug>/<int:year>/dashboard/<int:organisation>/<int:goal>/",
        lambda s: reverse(
            "coordination:dashboard-cell",
            args=[s.world.plan.slug, s.world.round.year, s.world.ministry.pk, s.world.goal.pk],
        ),
    ),
    # Spreadsheet import and export in the main admin (exchange).
    "admin:indicators_plan_import": Url(
        "admin/indicators/plan/import/",
        lambda s: reverse("admin:indicators_plan_import"),
        plan_file,
    ),
    "admin:indicators_plan_changelist": Url(
        "admin/indicators/plan/",
        lambda s: reverse("admin:indicators_plan_changelist"),
        lambda s: {"action": "export_plans_csv", "_selected_action": [s.world.plan.pk]},
    ),
    "admin:reporting_progressentry_import": Url(
        "admin/reporting/progressentry/import/",
        lambda s: reverse("admin:reporting_progressentry_import"),
        progress_file,
    ),
    "admin:reporting_progressentry_changelist": Url(
        "admin/reporting/progressentry/",
        lambda s: reverse("admin:reporting_progressentry_changelist"),
        lambda s: {"action": "export_entries_csv", "_selected_action": [s.draft.pk]},
    ),
}


# --- the matrix -------------------------------------------------------------------------------

# fmt: off
EXPECTED: dict[str, dict[str, tuple]] = {
    #                  anonymous  editor  other   focal   coord.  board   inactive superuser
    # The worklist; any member of an organisation may open the workspace.
    "workspace:index": {
        "GET":         (LOGIN,    OK,     OK,     OK,     OK,     OK,     LOGIN,   LOGIN),
        "POST":        (LOGIN,    OK,     OK,     OK,     OK,     OK,     LOGIN,   LOGIN),
    },
    # Starting a worklist item: only its organisation's editors and focal point.
    "workspace:start_entry": {
        "GET":         (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   LOGIN),
        "POST":        (LOGIN,    DONE,   HIDDEN, DONE,   HIDDEN, HIDDEN, LOGIN,   LOGIN),
    },
    # Submitting all drafts: the focal point; an editor is sent back with the reason.
    "workspace:submit_organisation": {
        "GET":         (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   LOGIN),
        "POST":        (LOGIN,    MOVED,  HIDDEN, DONE,   HIDDEN, HIDDEN, LOGIN,   LOGIN),
    },
    # The list shows each user only their own organisations' entries.
    "workspace:reporting_progressentry_changelist": {
        "GET":         (LOGIN,    OK,     OK,     OK,     OK,     OK,     LOGIN,   LOGIN),
        "POST":        (LOGIN,    OK,     OK,     OK,     OK,     OK,     LOGIN,   LOGIN),
    },
    "workspace:reporting_progressentry_change": {
        "GET":         (LOGIN,    OK,     HIDDEN, OK,     HIDDEN, HIDDEN, LOGIN,   LOGIN),
        "POST":        (LOGIN,    DONE,   HIDDEN, DONE,   HIDDEN, HIDDEN, LOGIN,   LOGIN),
    },
    "workspace:reporting_progressentry_submit": {
        "GET":         (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   LOGIN),
        "POST":        (LOGIN,    MOVED,  HIDDEN, DONE,   HIDDEN, HIDDEN, LOGIN,   LOGIN),
    },
    "workspace:reporting_progressentry_copy_previous": {
        "GET":         (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   LOGIN),
        "POST":        (LOGIN,    DONE,   HIDDEN, DONE,   HIDDEN, HIDDEN, LOGIN,   LOGIN),
    },
    "workspace:reporting_progressentry_comment": {
        "GET":         (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   LOGIN),
        "POST":        (LOGIN,    DONE,   HIDDEN, DONE,   HIDDEN, HIDDEN, LOGIN,   LOGIN),
    },
    "workspace:reporting_progressentry_compare": {
        "GET":         (LOGIN,    OK,     HIDDEN, OK,     HIDDEN, HIDDEN, LOGIN,   LOGIN),
        "POST":        (LOGIN,    OK,     HIDDEN, OK,     HIDDEN, HIDDEN, LOGIN,   LOGIN),
    },
    "workspace:reporting_progressentry_history": {
        "GET":         (LOGIN,    OK,     HIDDEN, OK,     HIDDEN, HIDDEN, LOGIN,   LOGIN),
        "POST":        (LOGIN,    OK,     HIDDEN, OK,     HIDDEN, HIDDEN, LOGIN,   LOGIN),
    },
    # Admin internals. Old versions are compared, never restored.
    "workspace:reporting_progressentry_simple_history": {
        "GET":         (LOGIN,    HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, LOGIN,   LOGIN),
        "POST":        (LOGIN,    HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, LOGIN,   LOGIN),
    },
    # Entries are started from the worklist, never added here.
    "workspace:reporting_progressentry_add": {
        "GET":         (LOGIN,    HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, LOGIN,   LOGIN),
        "POST":        (LOGIN,    HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, LOGIN,   LOGIN),
    },
    # Entries are never deleted: refused to everyone before the entry is even looked up, so
    # the 403 tells an outsider nothing (any id gets it).
    "workspace:reporting_progressentry_delete": {
        "GET":         (LOGIN,    DENIED, DENIED, DENIED, DENIED, DENIED, LOGIN,   LOGIN),
        "POST":        (LOGIN,    DENIED, DENIED, DENIED, DENIED, DENIED, LOGIN,   LOGIN),
    },
    # The admin's old entry URL: redirects any id to its change page, which decides.
    "workspace:<entry>": {
        "GET":         (LOGIN,    MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  LOGIN,   LOGIN),
        "POST":        (LOGIN,    MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  LOGIN,   LOGIN),
    },
    "workspace:app_list": {
        "GET":         (LOGIN,    OK,     OK,     OK,     OK,     OK,     LOGIN,   LOGIN),
        "POST":        (LOGIN,    OK,     OK,     OK,     OK,     OK,     LOGIN,   LOGIN),
    },
    # Members already logged in go to their worklist; a wrong or empty login form is shown again.
    "workspace:login": {
        "GET":         (OK,       MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  OK,      OK),
        "POST":        (OK,       OK,     OK,     OK,     OK,     OK,     OK,      OK),
    },
    # Logging out is a POST and ends on the public home page; whoever is not logged in to the
    # workspace goes to its start page.
    "workspace:logout": {
        "GET":         (MOVED,    METHOD, METHOD, METHOD, METHOD, METHOD, MOVED,   MOVED),
        "POST":        (MOVED,    MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED,   MOVED),
    },
    # An empty password form is shown again with its errors.
    "workspace:password_change": {
        "GET":         (LOGIN,    OK,     OK,     OK,     OK,     OK,     LOGIN,   LOGIN),
        "POST":        (LOGIN,    OK,     OK,     OK,     OK,     OK,     LOGIN,   LOGIN),
    },
    "workspace:password_change_done": {
        "GET":         (LOGIN,    OK,     OK,     OK,     OK,     OK,     LOGIN,   LOGIN),
        "POST":        (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   LOGIN),
    },
    # No searchable model in the workspace: no autocomplete lists entries.
    "workspace:autocomplete": {
        "GET":         (LOGIN,    HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, LOGIN,   LOGIN),
        "POST":        (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   LOGIN),
    },
    "workspace:jsi18n": {
        "GET":         (LOGIN,    OK,     OK,     OK,     OK,     OK,     LOGIN,   LOGIN),
        "POST":        (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   LOGIN),
    },
    # Entries have no public address of their own to send anyone to.
    "workspace:view_on_site": {
        "GET":         (LOGIN,    HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, LOGIN,   LOGIN),
        "POST":        (LOGIN,    HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, LOGIN,   LOGIN),
    },
    # Unknown workspace URLs: not even their absence is told to someone not logged in.
    "workspace:<catch-all>": {
        "GET":         (LOGIN,    HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, LOGIN,   LOGIN),
        "POST":        (LOGIN,    HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, LOGIN,   LOGIN),
    },
    # The coordinators' pages: the plan's coordinators act; the board reads every entry (the
    # unpublished ones too) and the completeness pages, and changes nothing.
    "coordination:index": {
        "GET":         (LOGIN,    HIDDEN, HIDDEN, HIDDEN, OK,     OK,     LOGIN,   HIDDEN),
        "POST":        (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   METHOD),
    },
    "coordination:plan": {
        "GET":         (LOGIN,    HIDDEN, HIDDEN, HIDDEN, OK,     HIDDEN, LOGIN,   HIDDEN),
        "POST":        (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   METHOD),
    },
    "coordination:round-state": {
        "GET":         (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   METHOD),
        "POST":        (LOGIN,    HIDDEN, HIDDEN, HIDDEN, DONE,   HIDDEN, LOGIN,   HIDDEN),
    },
    "coordination:publication": {
        "GET":         (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   METHOD),
        "POST":        (LOGIN,    HIDDEN, HIDDEN, HIDDEN, DONE,   HIDDEN, LOGIN,   HIDDEN),
    },
    "coordination:queue": {
        "GET":         (LOGIN,    HIDDEN, HIDDEN, HIDDEN, OK,     OK,     LOGIN,   HIDDEN),
        "POST":        (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   METHOD),
    },
    "coordination:review": {
        "GET":         (LOGIN,    HIDDEN, HIDDEN, HIDDEN, OK,     OK,     LOGIN,   HIDDEN),
        "POST":        (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   METHOD),
    },
    "coordination:comment": {
        "GET":         (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   METHOD),
        "POST":        (LOGIN,    HIDDEN, HIDDEN, HIDDEN, DONE,   HIDDEN, LOGIN,   HIDDEN),
    },
    "coordination:return": {
        "GET":         (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   METHOD),
        "POST":        (LOGIN,    HIDDEN, HIDDEN, HIDDEN, DONE,   HIDDEN, LOGIN,   HIDDEN),
    },
    "coordination:approve": {
        "GET":         (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   METHOD),
        "POST":        (LOGIN,    HIDDEN, HIDDEN, HIDDEN, DONE,   HIDDEN, LOGIN,   HIDDEN),
    },
    "coordination:lock-exception": {
        "GET":         (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   METHOD),
        "POST":        (LOGIN,    HIDDEN, HIDDEN, HIDDEN, DONE,   HIDDEN, LOGIN,   HIDDEN),
    },
    "coordination:diff": {
        "GET":         (LOGIN,    HIDDEN, HIDDEN, HIDDEN, OK,     OK,     LOGIN,   HIDDEN),
        "POST":        (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   METHOD),
    },
    "coordination:dashboard": {
        "GET":         (LOGIN,    HIDDEN, HIDDEN, HIDDEN, OK,     OK,     LOGIN,   HIDDEN),
        "POST":        (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   METHOD),
    },
    "coordination:dashboard-cell": {
        "GET":         (LOGIN,    HIDDEN, HIDDEN, HIDDEN, OK,     OK,     LOGIN,   HIDDEN),
        "POST":        (LOGIN,    METHOD, METHOD, METHOD, METHOD, METHOD, LOGIN,   METHOD),
    },
    # Spreadsheet import and export (an action on the list) are for staff of the main admin.
    "admin:indicators_plan_import": {
        "GET":         (LOGIN,    LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,   OK),
        "POST":        (LOGIN,    LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,   DONE),
    },
    "admin:indicators_plan_changelist": {
        "GET":         (LOGIN,    LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,   OK),
        "POST":        (LOGIN,    LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,   OK),
    },
    "admin:reporting_progressentry_import": {
        "GET":         (LOGIN,    LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,   OK),
        "POST":        (LOGIN,    LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,   DONE),
    },
    "admin:reporting_progressentry_changelist": {
        "GET":         (LOGIN,    LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,   OK),
        "POST":        (LOGIN,    LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,   OK),
    },
}
# fmt: on

METHODS = ("GET", "POST")
LOGIN_PAGES = {"workspace": "workspace:login", "coordination": "login", "admin": "admin:login"}


def in_scope(route) -> bool:
    """The URL patterns the matrix must cover."""
    return route.route.startswith(("report/", "coordination/")) or route.module.startswith(
        "exchange."
    )


def test_every_url_pattern_has_a_row():
    found = {route.route: route for route in routes() if in_scope(route)}
    listed = {url.route: name for name, url in URLS.items()}
    missing = sorted(set(found) - set(listed))
    assert not missing, f"URL patterns without a row in the permission matrix: {missing}"
    assert sorted(set(listed) - set(found)) == [], "rows for URL patterns that no longer exist"
    for route, name in listed.items():
        assert found[route].name in (None, name), (route, found[route].name, name)
    assert set(EXPECTED) == set(URLS)
    for name, row in EXPECTED.items():
        assert set(row) == set(METHODS), name
        assert all(len(cells) == len(ROLES) for cells in row.values()), name


def test_the_pattern_walk_finds_the_workspace_the_coordination_and_the_exchange():
    names = {route.name for route in routes() if in_scope(route)}
    assert {"workspace:index", "coordination:review", "admin:reporting_progressentry_import"} <= (
        names
    )


# --- the cells ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    """Built once for the module, in a transaction rolled back at the end; each test runs in a
    savepoint inside it and is rolled back on its own (as TestCase.setUpTestData does)."""
    with django_db_blocker.unblock(), transaction.atomic():
        with translation.override(LANGUAGE):
            built = build_scene()
        yield built
        transaction.set_rollback(True)


def user_for(scene: Scene, role: str):
    if role == "anonymous":
        return None
    if role in ("superuser", "staff"):
        return getattr(scene, role)
    return getattr(scene.world, role)


# Staff without the permissions the spreadsheet import needs: refused (the export is an action
# on lists staff may see, so it stays open).
STAFF_CELLS = {
    ("admin:indicators_plan_import", "GET"): DENIED,
    ("admin:indicators_plan_import", "POST"): DENIED,
    ("admin:reporting_progressentry_import", "GET"): DENIED,
    ("admin:reporting_progressentry_import", "POST"): DENIED,
    ("admin:reporting_progressentry_changelist", "GET"): DENIED,
    ("admin:reporting_progressentry_changelist", "POST"): DENIED,
}


def expected_cell(name: str, method: str, role: str) -> str:
    """The cell of EXPECTED; the second coordinator's is the first's, staff's the superuser's
    except where STAFF_CELLS says otherwise."""
    if role == "second_coordinator":
        role = "coordinator"
    elif role == "staff":
        if (name, method) in STAFF_CELLS:
            return STAFF_CELLS[name, method]
        role = "superuser"
    return EXPECTED[name][method][ROLES.index(role)]


def test_each_row_requests_its_own_pattern(db, scene):
    for name, url in URLS.items():
        with translation.override(LANGUAGE):
            path = url.path(scene)
            match = resolve(urlsplit(path).path)
        assert match.route.removeprefix(f"{LANGUAGE}/") == url.route, name


CELLS = [
    pytest.param(role, method, name, id=f"{role}-{method}-{name}")
    for name in EXPECTED
    for method in METHODS
    for role in ALL_ROLES
]


@pytest.mark.parametrize(("role", "method", "name"), CELLS)
def test_permission(db, scene, role, method, name):
    url = URLS[name]
    expected = expected_cell(name, method, role)
    client = Client()
    user = user_for(scene, role)
    if user is not None:
        client.force_login(user)
    with translation.override(LANGUAGE):
        path = url.path(scene)
        data = url.post(scene) if method == "POST" else None
        login = reverse(LOGIN_PAGES[name.split(":")[0]])
    before = snapshot()

    response = client.get(path) if method == "GET" else client.post(path, data)

    after = snapshot()
    status = response.status_code
    if expected in (LOGIN, MOVED, DONE):
        assert status == 302, f"expected a redirect ({expected}), got {status}"
        target = redirect_path(response)
        if expected == LOGIN:
            assert target == login
        else:
            assert target != login, "sent to the login page"
    else:
        assert status == int(expected)
    if expected == DONE:
        assert after != before, "the allowed request wrote nothing"
    else:
        assert after == before, "a request that is not allowed to write changed data"


# --- someone else's objects ---------------------------------------------------------------------


@dataclass
class Elsewhere:
    plan: Plan  # a plan the scene's coordinating ministry and board have no part in
    round: ReportingRound
    submitted: ProgressEntry
    approved: ProgressEntry
    goal: Goal
    other_draft: ProgressEntry  # a draft of the other ministry in the scene's own round


@pytest.fixture
def elsewhere(db, scene) -> Elsewhere:
    plan = PlanFactory(slug="elders")
    coordinating = OrganisationFactory(slug="elders-bz")
    PlanOrganisationFactory(plan=plan, organisation=coordinating, role="coordinator")
    MembershipFactory(organisation=coordinating, role=Membership.Role.COORDINATOR)
    round_ = RoundFactory(plan=plan, year=scene.world.round.year)
    goal = GoalFactory(plan=plan, number=1)
    ResponsibilityFactory(organisation=coordinating, goal=goal)

    def entry(status):
        indicator = IndicatorFactory(goal=goal)
        return EntryFactory(
            round=round_, organisation=coordinating, goal=goal, indicator=indicator, status=status
        )

    other_draft = EntryFactory(
        round=scene.world.round,
        organisation=scene.world.other,
        goal=scene.world.goal,
        indicator=scene.world.indicator,
    )
    return Elsewhere(
        plan=plan,
        round=round_,
        submitted=entry(ProgressEntry.Status.SUBMITTED),
        approved=entry(ProgressEntry.Status.APPROVED),
        goal=goal,
        other_draft=other_draft,
    )


def outsider_requests(s: Scene, e: Elsewhere) -> list[tuple[str, str, dict | None]]:
    """(method, path, data) of requests for objects the user has no part in."""
    theirs = [e.plan.slug, e.round.year]
    ours = [s.world.plan.slug, s.world.round.year]
    requests = [
        ("GET", reverse("coordination:plan", args=[e.plan.slug]), None),
        ("GET", reverse("coordination:queue", args=theirs), None),
        ("GET", reverse("coordination:dashboard", args=theirs), None),
        ("GET", reverse("coordination:dashboard", args=theirs) + "?export=csv", None),
        (
            "GET",
            reverse("coordination:dashboard-cell", args=[*theirs, e.approved.organisation_id, 1]),
            None,
        ),
        # Our round, their organisation and goal.
        (
            "GET",
            reverse(
                "coordination:dashboard-cell", args=[*ours, e.approved.organisation_id, e.goal.pk]
            ),
            None,
        ),
        ("POST", reverse("coordination:round-state", args=theirs), {"state": "closed"}),
        (
            "POST",
            reverse("coordination:publication", args=theirs),
            {f"round-{e.round.pk}-now": "True"},
        ),
    ]
    for round_args in (theirs, ours):  # their entry, through their round and through ours
        review = [*round_args, e.submitted.pk]
        requests += [
            ("GET", reverse("coordination:review", args=review), None),
            ("GET", reverse("coordination:diff", args=review), None),
            ("POST", reverse("coordination:comment", args=review), {"text": "Vraag"}),
            ("POST", reverse("coordination:return", args=review), {"comment": "Bron"}),
            ("POST", reverse("coordination:approve", args=review), {}),
            (
                "POST",
                reverse("coordination:lock-exception", args=[*round_args, e.approved.pk]),
                {"reason": "Correctie", "until": "2099-01-01T10:00"},
            ),
        ]
    return requests


def workspace_outsider_requests(s: Scene, e: Elsewhere) -> list[tuple[str, str, dict | None]]:
    """The other ministry's draft, in the round the user reports in."""
    entry = e.other_draft.pk

    def ws_(name):
        return ws(f"reporting_progressentry_{name}", entry)

    other_item = Responsibility.objects.get(organisation=s.world.other)
    return [
        ("GET", ws_("change"), None),
        ("GET", ws_("history"), None),
        ("GET", ws_("compare"), None),
        ("POST", ws_("change"), {"narrative_nl": "<p>Overschreven.</p>", "expected_version": 1}),
        ("POST", ws_("submit"), {}),
        ("POST", ws_("copy_previous"), {"expected_version": 1}),
        ("POST", ws_("comment"), {"text": "Vraag"}),
        ("POST", ws("start_entry"), {"responsibility": other_item.pk, "round": s.world.round.pk}),
        (
            "POST",
            ws("submit_organisation"),
            {"organisation": s.world.other.pk, "round": s.world.round.pk},
        ),
    ]


@pytest.mark.parametrize(
    ("role", "requests"),
    [
        ("coordinator", outsider_requests),
        ("board", outsider_requests),
        ("editor", workspace_outsider_requests),
        ("focal", workspace_outsider_requests),
    ],
)
def test_someone_elses_objects_are_404_and_stay_unchanged(scene, elsewhere, role, requests):
    client = Client()
    client.force_login(user_for(scene, role))
    with translation.override(LANGUAGE):
        planned = requests(scene, elsewhere)
    before = snapshot()
    answers = [
        (method, path, (client.get(path) if method == "GET" else client.post(path, data)))
        for method, path, data in planned
    ]
    assert [(m, p, r.status_code) for m, p, r in answers] == [(m, p, 404) for m, p, _r in answers]
    assert snapshot() == before


# --- every other URL pattern of the project, by rule ---------------------------------------------
#
# The table above covers the workspace, the coordinators' pages and the spreadsheet exchange, cell
# by cell. Everything else is covered here by rules: the public pages, the API, the Django admin
# (whose patterns Django generates from each ModelAdmin), the report pages, the account pages, the
# language switch and the health endpoint. `test_every_url_pattern_is_covered` fails for a pattern
# that neither the table nor a rule covers.

ANY = "any"  # allowed to staff in the admin: a page, a form with errors or a change
REFUSED = "refused"  # an API write: 401, 403 or 405; nothing written
HEALTH = "health"  # 200 or 503, as the database and the cache are
MEMBERS = ("editor", "other_editor", "focal", "coordinator", "second_coordinator", "board")
LOGGED_OUT = ("anonymous", "inactive")  # an inactive user's session counts for nothing
STAFF = ("staff", "superuser")
API_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Rule:
    path: Callable[[Scene], str]
    expect: Callable[[str, str], str]  # (role, method) -> outcome
    methods: tuple[str, ...] = METHODS
    login: str = "login"  # the login page a LOGIN outcome redirects to
    fresh: bool = False  # the request logs in or out: a client of its own


def everyone(get: str, post: str = METHOD) -> Callable[[str, str], str]:
    return lambda role, method: get if method == "GET" else post


def by_role(**cells: tuple[str, str]) -> Callable[[str, str], str]:
    """(GET, POST) per role; `members=` stands for MEMBERS, `logged_out=` for LOGGED_OUT,
    `staff=` for STAFF, `others=` for whoever is not named."""
    groups = {"members": MEMBERS, "logged_out": LOGGED_OUT, "staff": STAFF}
    table = {}
    for key, cell in cells.items():  # groups first: a role named on its own wins
        table.update(dict.fromkeys(groups.get(key, ()), cell))
    table.update({key: cell for key, cell in cells.items() if key not in groups})

    def expect(role, method):
        cell = table.get(role, cells.get("others"))
        return cell[METHODS.index(method)]

    return expect


def named(name: str, **kwargs: Callable[[Scene], object]) -> Callable[[Scene], str]:
    return lambda s: reverse(name, kwargs={key: value(s) for key, value in kwargs.items()})


def plan_slug(s):
    return s.world.plan.slug


# The objects each pattern is requested with.
KWARGS: dict[str, dict[str, Callable[[Scene], object]]] = {
    "public:organisation": {"slug": lambda s: s.world.ministry.slug},
    "public:plan": {"slug": plan_slug},
    "public:goal": {"slug": plan_slug, "number": lambda s: s.world.goal.number},
    "public:subgoal": {
        "slug": plan_slug,
        "number": lambda s: s.world.goal.number,
        "code": lambda s: s.subgoal.number,
    },
    "public:indicator": {"slug": plan_slug, "code": lambda s: s.world.indicator.code},
    "public:status": {"slug": plan_slug},
    "public:signatories": {"slug": plan_slug},
    "public:reports": {"slug": plan_slug},
    "public:report-download": {"slug": plan_slug, "pk": lambda s: s.report.pk},
    "public:feed": {"slug": plan_slug},
    "public:entries-download": {"fmt": lambda s: "csv"},
    "api:plan-detail": {"slug": plan_slug},
    "api:goal-detail": {"pk": lambda s: s.world.goal.pk},
    "api:subgoal-detail": {"pk": lambda s: s.subgoal.pk},
    "api:indicator-detail": {"pk": lambda s: s.world.indicator.pk},
    "api:organisation-detail": {"slug": lambda s: s.world.ministry.slug},
    "api:entry-detail": {"pk": lambda s: s.published.pk},
    "reports:round": {"slug": plan_slug, "year": lambda s: s.world.round.year},
    "reports:job": {"pk": lambda s: s.job.pk},
    "reports:job-download": {"pk": lambda s: s.job.pk},
    "reports:published-download": {"pk": lambda s: s.report.pk},
    "password_reset_confirm": {"uidb64": lambda s: "MQ", "token": lambda s: "abc-def"},
}

COORDINATORS_ONLY = by_role(
    logged_out=(LOGIN, LOGIN),
    coordinator=(OK, OK),
    second_coordinator=(OK, OK),
    others=(HIDDEN, HIDDEN),
)
COORDINATORS_READ = by_role(
    logged_out=(LOGIN, LOGIN),
    coordinator=(OK, METHOD),
    second_coordinator=(OK, METHOD),
    others=(HIDDEN, METHOD),
)
LOGGED_IN_PAGE = by_role(logged_out=(LOGIN, LOGIN), others=(OK, OK))
LOGGED_IN_GET = by_role(logged_out=(LOGIN, LOGIN), others=(OK, METHOD))

# Patterns listed by name.
RULES: dict[str, Rule] = {
    # The language switch: back to where the user came from (the home page without a "next").
    "set_language": Rule(lambda s: reverse("set_language"), everyone(MOVED, MOVED), fresh=True),
    # Reports to parliament: the plan's coordinators request and download them.
    "reports:round": Rule(named("reports:round", **KWARGS["reports:round"]), COORDINATORS_ONLY),
    "reports:job": Rule(named("reports:job", **KWARGS["reports:job"]), COORDINATORS_READ),
    "reports:job-download": Rule(
        named("reports:job-download", **KWARGS["reports:job-download"]), COORDINATORS_READ
    ),
    # Published reports are public.
    "reports:published-download": Rule(
        named("reports:published-download", **KWARGS["reports:published-download"]),
        everyone(OK),
    ),
    # Accounts. Forms posted empty come back with their errors.
    "login": Rule(lambda s: reverse("login"), everyone(OK, OK), fresh=True),
    "logout": Rule(lambda s: reverse("logout"), everyone(METHOD, MOVED), fresh=True),
    "password_change": Rule(lambda s: reverse("password_change"), LOGGED_IN_PAGE),
    "password_change_done": Rule(lambda s: reverse("password_change_done"), LOGGED_IN_GET),
    "password_reset": Rule(lambda s: reverse("password_reset"), everyone(OK, OK)),
    "password_reset_done": Rule(lambda s: reverse("password_reset_done"), everyone(OK)),
    "password_reset_confirm": Rule(
        named("password_reset_confirm", **KWARGS["password_reset_confirm"]), everyone(OK, OK)
    ),
    "password_reset_complete": Rule(lambda s: reverse("password_reset_complete"), everyone(OK)),
    # The second factor: only a signed-in user who has not yet typed a code stays on these
    # pages (the matrix's clients have passed it, so they are sent on).
    "accounts:two-factor": Rule(
        lambda s: reverse("accounts:two-factor"),
        by_role(logged_out=(LOGIN, LOGIN), others=(MOVED, MOVED)),
    ),
    "accounts:two-factor-setup": Rule(
        lambda s: reverse("accounts:two-factor-setup"),
        by_role(logged_out=(LOGIN, LOGIN), others=(MOVED, MOVED)),
    ),
    "accounts:keepalive": Rule(
        lambda s: reverse("accounts:keepalive"),
        # Called by the page's script: JSON, no redirect.
        by_role(logged_out=(METHOD, "401"), others=(METHOD, OK)),
    ),
    # The main admin's own pages: staff only; everyone else is sent to its login page.
    "admin:index": Rule(
        lambda s: reverse("admin:index"),
        by_role(staff=(OK, OK), others=(LOGIN, LOGIN)),
        login="admin:login",
    ),
    "admin:login": Rule(
        lambda s: reverse("admin:login"),
        by_role(staff=(MOVED, OK), others=(OK, OK)),
        login="admin:login",
        fresh=True,
    ),
    "admin:logout": Rule(
        lambda s: reverse("admin:logout"),
        by_role(staff=(METHOD, MOVED), others=(MOVED, MOVED)),
        login="admin:login",
        fresh=True,
    ),
    "admin:password_change": Rule(
        lambda s: reverse("admin:password_change"),
        by_role(staff=(OK, OK), others=(LOGIN, LOGIN)),
        login="admin:login",
    ),
    "admin:password_change_done": Rule(
        lambda s: reverse("admin:password_change_done"),
        by_role(staff=(OK, METHOD), others=(LOGIN, LOGIN)),
        login="admin:login",
    ),
    # Without its parameters the autocomplete refuses even staff.
    "admin:autocomplete": Rule(
        lambda s: reverse("admin:autocomplete"),
        by_role(staff=(DENIED, METHOD), others=(LOGIN, LOGIN)),
        login="admin:login",
    ),
    "admin:jsi18n": Rule(
        lambda s: reverse("admin:jsi18n"),
        by_role(staff=(OK, METHOD), others=(LOGIN, LOGIN)),
        login="admin:login",
    ),
    # Entries have no public address of their own.
    "admin:view_on_site": Rule(
        lambda s: reverse(
            "admin:view_on_site",
            args=[ContentType.objects.get_for_model(ProgressEntry).pk, s.draft.pk],
        ),
        by_role(staff=(HIDDEN, HIDDEN), others=(LOGIN, LOGIN)),
        login="admin:login",
    ),
    # Staff with permissions in indicators only: the reporting app is not there for them.
    "admin:app_list": Rule(
        lambda s: reverse("admin:app_list", args=["reporting"]),
        by_role(superuser=(OK, OK), staff=(HIDDEN, HIDDEN), others=(LOGIN, LOGIN)),
        login="admin:login",
    ),
    "admin:<catch-all>": Rule(
        lambda s: reverse("admin:index") + "no-such-page/",
        by_role(staff=(HIDDEN, HIDDEN), others=(LOGIN, LOGIN)),
        login="admin:login",
    ),
    # Setting someone's password: who may change users.
    "admin:auth_user_password_change": Rule(
        lambda s: reverse("admin:auth_user_password_change", args=[s.world.editor.pk]),
        by_role(superuser=(OK, OK), staff=(DENIED, DENIED), others=(LOGIN, LOGIN)),
        login="admin:login",
    ),
    # django-otp's pages of an authenticator device (its secret as a QR code): who may change
    # devices.
    "admin:otp_totp_totpdevice_config": Rule(
        lambda s: reverse("admin:otp_totp_totpdevice_config", args=[s.device.pk]),
        by_role(superuser=(OK, OK), staff=(DENIED, DENIED), others=(LOGIN, LOGIN)),
        login="admin:login",
    ),
    "admin:otp_totp_totpdevice_qrcode": Rule(
        lambda s: reverse("admin:otp_totp_totpdevice_qrcode", args=[s.device.pk]),
        by_role(superuser=(OK, OK), staff=(DENIED, DENIED), others=(LOGIN, LOGIN)),
        login="admin:login",
    ),
    # The health endpoint (no language prefix): 200 or 503 for everyone, whatever the session.
    "health": Rule(lambda s: "/health/", everyone(HEALTH)),
}
# Public pages are read with GET; any that answered a POST as a GET would be listed here.
PUBLIC_POST_ANSWERED: set[str] = set()
# Unnamed patterns, by route.
RULES_BY_ROUTE = {"admin/(?P<url>.*)$": "admin:<catch-all>"}


def admin_model_rule(route) -> Rule | None:
    """A pattern Django's ModelAdmin generates: the list, add, change, history and delete pages
    and the old object URL. Staff get what the ModelAdmin's permissions give them (a model's
    permission, narrowed by the ModelAdmin: records kept for good are never changed); everyone
    else goes to the admin's login page."""
    kinds = {
        "": "changelist",
        "add/": "add",
        "<path:object_id>/change/": "change",
        "<path:object_id>/history/": "history",
        "<path:object_id>/delete/": "delete",
        "<path:object_id>/": "redirect",
    }
    for model, model_admin in admin.site._registry.items():
        base = f"admin/{model._meta.app_label}/{model._meta.model_name}/"
        if route.route.startswith(base) and route.route.removeprefix(base) in kinds:
            kind = kinds[route.route.removeprefix(base)]
            return Rule(
                path=lambda s, m=model, k=kind: admin_model_path(m, k),
                expect=lambda role, method, ma=model_admin, k=kind: admin_model_cell(
                    ma, k, role, method
                ),
                login="admin:login",
            )
    return None


def admin_model_path(model, kind: str) -> str:
    info = (model._meta.app_label, model._meta.model_name)
    if kind in ("changelist", "add"):
        return reverse("admin:{}_{}_{}".format(*info, kind))
    obj = model._default_manager.order_by("pk").first()
    # A model of a library the scene makes nothing of (task results): an id that is not there.
    pk = obj.pk if obj is not None else "0"
    if kind == "redirect":
        return reverse("admin:{}_{}_changelist".format(*info)) + f"{pk}/"
    return reverse("admin:{}_{}_{}".format(*info, kind), args=[pk])


def admin_model_cell(model_admin, kind: str, role: str, method: str) -> str:
    if role not in STAFF:
        return LOGIN
    if kind == "redirect":
        return MOVED
    request = RequestFactory().get("/")
    request.user = ROLE_USERS[role]
    allowed = {
        "changelist": model_admin.has_view_or_change_permission,
        "history": model_admin.has_view_or_change_permission,
        "change": (
            model_admin.has_view_or_change_permission
            if method == "GET"
            else model_admin.has_change_permission
        ),
        "add": model_admin.has_add_permission,
        "delete": model_admin.has_delete_permission,
    }[kind](request)
    missing = not model_admin.model._default_manager.exists()
    if missing and kind == "history":
        return MOVED  # the history page looks the object up first: back to the index
    if not allowed:
        return DENIED
    if missing and kind != "changelist" and kind != "add":
        return MOVED
    return OK if method == "GET" else ANY


ROLE_USERS: dict[str, User] = {}  # filled by the `clients` fixture


def rule_for(route) -> Rule | None:
    """The rule that covers a pattern outside the table, or None."""
    name = route.name or RULES_BY_ROUTE.get(route.route)
    if name in RULES:
        return RULES[name]
    if name and name.startswith("public:"):
        return pattern_rule(route, everyone(OK, OK if name in PUBLIC_POST_ANSWERED else METHOD))
    if route.route.startswith("api/"):
        if name is None:  # the API's answer to an unknown address
            return Rule(lambda s: "/api/no-such-endpoint/", everyone(HIDDEN, HIDDEN))
        # The open data API reads; it writes nothing, whoever asks.
        return pattern_rule(
            route, lambda role, method: OK if method == "GET" else REFUSED, API_METHODS
        )
    if route.route.startswith("admin/"):
        return admin_model_rule(route)
    return None


def pattern_rule(route, expect, methods=METHODS) -> Rule | None:
    converters = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route.route)
    params = {a or b for a, b in converters}
    if params and route.name not in KWARGS:
        return None  # a pattern with parameters needs a row in KWARGS
    kwargs = KWARGS.get(route.name, {})
    return Rule(named(route.name, **kwargs), expect, methods)


def test_every_url_pattern_is_covered():
    """Each pattern of the project is in the table or covered by a rule; add a row to URLS and
    EXPECTED, to RULES or to KWARGS when this fails."""
    listed = {url.route for url in URLS.values()}
    uncovered = sorted(
        route.route for route in routes() if route.route not in listed and not rule_for(route)
    )
    assert not uncovered, f"URL patterns that no row or rule covers: {uncovered}"


def test_the_rules_cover_the_public_pages_the_api_and_the_admin():
    covered = {route.name for route in routes() if rule_for(route)}
    assert {"public:home", "public:plan", "admin:index", "admin:accounts_user_change"} <= covered
    assert "api:entry-list" in covered and "reports:round" in covered


def rule_cells():
    cells = []
    for route in routes():
        rule = rule_for(route)
        if rule is None or route.route in {url.route for url in URLS.values()}:
            continue
        name = route.name or RULES_BY_ROUTE.get(route.route) or route.route
        for method in rule.methods:
            cells.append(pytest.param(route.route, method, id=f"{method}-{name}"))
    return cells


@pytest.fixture(scope="module")
def clients(scene, django_db_blocker):
    """A logged-in client per role, made once (inside the scene's transaction)."""
    made = {}
    with django_db_blocker.unblock():
        for role in ALL_ROLES:
            user = user_for(scene, role)
            ROLE_USERS[role] = user
            client = Client()
            if user is not None:
                client.force_login(user)
            made[role] = client
        scene.device = TOTPDevice.objects.filter(user=scene.superuser).first()
    return made


def check(response, expected: str, login: str) -> str | None:
    """What is wrong with the answer, or None."""
    status = response.status_code
    if expected in (LOGIN, MOVED):
        if status != 302:
            return f"{status}, expected a redirect ({expected})"
        target = redirect_path(response)
        if expected == LOGIN and target != login:
            return f"redirected to {target}, not to the login page"
        if expected == MOVED and target == login:
            return "sent to the login page"
        return None
    if expected == ANY:
        if status not in (200, 302) or (status == 302 and redirect_path(response) == login):
            return f"{status}, expected a page or a redirect"
        return None
    allowed = {REFUSED: {401, 403, 405}, HEALTH: {200, 503}}.get(expected) or {int(expected)}
    return None if status in allowed else f"{status}, expected {expected}"


@pytest.mark.parametrize(("route", "method"), rule_cells())
def test_rule(db, scene, clients, route, method):
    """One pattern, one method, every role. Nothing but an allowed admin request writes."""
    rule = rule_for(next(r for r in routes() if r.route == route))
    with translation.override(LANGUAGE):
        path = rule.path(scene)
        login = reverse(rule.login)
    problems = []
    before = snapshot()
    for role in ALL_ROLES:
        expected = rule.expect(role, method)
        if rule.fresh:
            client = Client()
            if ROLE_USERS[role] is not None:
                client.force_login(ROLE_USERS[role])
        else:
            client = clients[role]
        cache.clear()  # the API's throttling counts every request of the run
        # What staff may change in the admin is undone at once, so the snapshot at the end
        # shows what the other requests wrote: nothing.
        with transaction.atomic():
            response = client.generic(method, path)
            transaction.set_rollback(expected == ANY)
        problem = check(response, expected, login)
        if problem:
            problems.append(f"{role} {method} {path}: {problem}")
    assert not problems, "\n".join(problems)
    assert snapshot() == before, "a request that is not allowed to write changed data"


@pytest.mark.parametrize(
    "name",
    sorted(
        name
        for name in KWARGS
        # The download's format is no object: an unknown one matches no pattern at all.
        if name.startswith(("public:", "api:", "reports:published"))
        and name != "public:entries-download"
    ),
)
def test_unknown_objects_are_404(db, scene, name):
    """Public pages, public downloads and API details of what does not exist."""
    missing = {
        key: (999999 if isinstance(value(scene), int) else "no-such-thing")
        for key, value in KWARGS[name].items()
    }
    with translation.override(LANGUAGE):
        path = reverse(name, kwargs=missing)
    assert Client().get(path).status_code == 404
