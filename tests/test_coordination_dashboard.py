"""The completeness dashboard: counts per organisation and goal, overdue items, timeliness, the
government / civil-society split, and downloads that hold exactly the page's tables."""

import contextlib
import csv
import datetime
import io
from html.parser import HTMLParser
from unittest import mock
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership
from coordination.exports import safe_cell
from coordination.selectors import build_dashboard
from indicators.models import Organisation, PlanOrganisation
from reporting import workflow
from reporting.models import EntryTransition, ProgressEntry
from tests.factories import (
    EntryFactory,
    GoalFactory,
    IndicatorFactory,
    MembershipFactory,
    OrganisationFactory,
    ResponsibilityFactory,
    UserFactory,
)
from tests.roles import build_world

pytestmark = pytest.mark.django_db

STATUS_KEYS = ["not_started", "draft", "submitted", "returned", "approved", "published"]


# --- helpers -------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts (row spans repeated), with its caption."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._table = None
        self._row = None
        self._cell = None
        self._in_caption = False
        self._spans: dict[int, tuple[int, str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = {"id": attrs.get("id"), "caption": "", "rows": []}
            self._spans = {}
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = {"text": "", "rowspan": int(attrs.get("rowspan", 1))}

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self._fill_spans()
            text = " ".join(self._cell["text"].split())
            if self._cell["rowspan"] > 1:
                self._spans[len(self._row)] = (self._cell["rowspan"] - 1, text)
            self._row.append(text)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._fill_spans()
            self._table["rows"].append(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None

    def _fill_spans(self):
        while len(self._row) in self._spans:
            column = len(self._row)
            remaining, text = self._spans[column]
            self._row.append(text)
            if remaining > 1:
                self._spans[column] = (remaining - 1, text)
            else:
                del self._spans[column]

    def handle_data(self, data):
        if self._in_caption and self._table is not None:
            self._table["caption"] += data
        elif self._cell is not None:
            self._cell["text"] += data


def page_tables(html: str) -> list[dict]:
    parser = _Tables()
    parser.feed(html)
    for table in parser.tables:
        table["caption"] = " ".join(table["caption"].split())
    return parser.tables


def csv_blocks(content: bytes) -> list[list[list[str]]]:
    text = content.decode("utf-8-sig")
    blocks, block = [], []
    for row in csv.reader(io.StringIO(text)):
        if not row:
            blocks.append(block)
            block = []
        else:
            block.append(row)
    if block:
        blocks.append(block)
    return blocks


def xlsx_sheets(content: bytes) -> list[list[list[str]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [
        [
            ["" if value is None else str(value) for value in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        for sheet in workbook.worksheets
    ]


@contextlib.contextmanager
def at(moment: datetime.datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def local(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=ZoneInfo("Europe/Amsterdam"))


def url_en(name, *args):
    # English pages, so that the expected texts do not depend on the Dutch translations.
    with translation.override("en"):
        return reverse(f"coordination:{name}", args=args)


def dashboard_url(world, **query):
    url = url_en("dashboard", world.plan.slug, world.round.year)
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def row_for(table, organisation, goal_number):
    for row in table["rows"]:
        if row[0] == organisation and row[1] == str(goal_number):
            return row
    raise AssertionError(f"no row for {organisation} goal {goal_number} in {table['rows']}")


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def constructed(world):
    """A round with one item in each status for the ministry, and a civil-society signatory."""
    goal2 = GoalFactory(plan=world.plan, number=2)
    indicators = {"1.a": world.indicator}
    for code in ("1.b", "1.c", "1.d", "1.e", "1.f"):
        indicators[code] = IndicatorFactory(goal=world.goal, code=code)
    for code in ("2.a", "2.b"):
        indicators[code] = IndicatorFactory(goal=goal2, code=code)
    for code in ("1.b", "1.c", "1.d", "1.e", "1.f", "2.a", "2.b"):
        ResponsibilityFactory(
            organisation=world.ministry, goal=indicators[code].goal, indicator=indicators[code]
        )

    def entry(organisation, code, status):
        indicator = indicators[code]
        return EntryFactory(
            round=world.round,
            organisation=organisation,
            goal=indicator.goal,
            indicator=indicator,
            status=status,
        )

    # The ministry: 1.a not started, then one entry per status; 2.a draft, 2.b not started.
    entry(world.ministry, "1.b", "draft")
    entry(world.ministry, "1.c", "submitted")
    entry(world.ministry, "1.d", "returned")
    entry(world.ministry, "1.e", "approved")
    entry(world.ministry, "1.f", "published")
    entry(world.ministry, "2.a", "draft")
    # The other ministry: 1.a submitted, and an entry on 2.a it has no responsibility for.
    entry(world.other, "1.a", "submitted")
    entry(world.other, "2.a", "draft")
    # A civil-society signatory reports on goal 2 as a whole.
    civil = Organisation.objects.get(slug="wo-men")
    civil.name_nl = civil.name_en = "WO=MEN Dutch Gender Platform"
    civil.save()
    ResponsibilityFactory(organisation=civil, goal=goal2)
    EntryFactory(round=world.round, organisation=civil, goal=goal2, status="draft")
    world.goal2 = goal2
    world.civil = civil
    return world


def counts(cell):
    return [cell.counts[key] for key in STATUS_KEYS]


# --- counting ------------------------------------------------------------------------------


def test_it_counts_each_status_and_responsibilities_not_started(constructed):
    w = constructed
    data = build_dashboard(w.round)

    ministry_1 = data.cell(w.ministry.pk, w.goal.pk)
    assert counts(ministry_1) == [1, 1, 1, 1, 1, 1]
    assert ministry_1.total == 6
    assert counts(data.cell(w.ministry.pk, w.goal2.pk)) == [1, 1, 0, 0, 0, 0]
    assert counts(data.cell(w.other.pk, w.goal.pk)) == [0, 0, 1, 0, 0, 0]
    # An entry without a responsibility still counts.
    assert counts(data.cell(w.other.pk, w.goal2.pk)) == [0, 1, 0, 0, 0, 0]
    assert data.cell(w.other.pk, w.goal2.pk).total == 1
    # Nothing is overdue before the deadline.
    assert sum(cell.overdue for section in data.sections for cell in section.cells) == 0


def test_it_flags_overdue_items_once_the_deadline_has_passed(constructed):
    w = constructed
    data = build_dashboard(w.round, today=w.round.deadline + datetime.timedelta(days=1))

    # Not started, draft and returned are overdue; submitted, approved, published are not.
    assert data.cell(w.ministry.pk, w.goal.pk).overdue == 3
    assert data.cell(w.ministry.pk, w.goal2.pk).overdue == 2
    assert data.cell(w.other.pk, w.goal.pk).overdue == 0
    assert data.cell(w.other.pk, w.goal2.pk).overdue == 1
    overdue = [
        item.indicator.code for item in data.cell(w.ministry.pk, w.goal.pk).items if item.overdue
    ]
    assert overdue == ["1.a", "1.b", "1.d"]

    on_deadline = build_dashboard(w.round, today=w.round.deadline)
    assert on_deadline.cell(w.ministry.pk, w.goal.pk).overdue == 0


def test_the_page_shows_the_counts_and_marks_overdue_rows(client, constructed):
    w = constructed
    w.round.deadline = timezone.localdate() - datetime.timedelta(days=1)
    w.round.save()
    client.force_login(w.coordinator)

    response = client.get(dashboard_url(w))

    assert response.status_code == 200
    tables = {table["id"]: table for table in page_tables(response.content.decode())}
    government = tables["table-government-status"]
    ministry = w.ministry.name_en
    assert government["rows"][0][:10] == [
        "Organisation",
        "Goal",
        "Not started",
        "Draft",
        "Submitted",
        "Returned for revision",
        "Approved",
        "Published",
        "Total",
        "Overdue",
    ]
    assert row_for(government, ministry, 1)[2:] == ["1", "1", "1", "1", "1", "1", "6", "3"]
    assert row_for(government, ministry, 2)[2:] == ["1", "1", "0", "0", "0", "0", "2", "2"]
    assert government["rows"][-1][2:] == ["2", "3", "2", "1", "1", "1", "10", "6"]
    assert response.content.decode().count('class="overdue') == 4  # civil society too


def test_government_and_civil_society_are_never_mixed(client, constructed):
    w = constructed
    client.force_login(w.coordinator)

    html = client.get(dashboard_url(w)).content.decode()

    tables = {table["id"]: table for table in page_tables(html)}
    government = [row[0] for row in tables["table-government-status"]["rows"][1:-1]]
    civil = [row[0] for row in tables["table-civil_society-status"]["rows"][1:-1]]
    assert "WO=MEN Dutch Gender Platform" in civil
    assert "WO=MEN Dutch Gender Platform" not in government
    assert w.ministry.name_en in government
    assert w.ministry.name_en not in civil
    # Each section's totals count only its own organisations.
    assert tables["table-civil_society-status"]["rows"][-1][-2] == "1"
    assert tables["table-government-status"]["rows"][-1][-2] == "10"
    civil_timeliness = [row[0] for row in tables["table-civil_society-timeliness"]["rows"][1:]]
    assert civil_timeliness == ["WO=MEN Dutch Gender Platform"]
    assert html.index('id="section-government"') < html.index('id="section-civil_society"')


def test_drill_down_lists_the_indicators_of_a_cell_with_their_status(client, constructed):
    w = constructed
    client.force_login(w.coordinator)
    url = url_en("dashboard-cell", w.plan.slug, w.round.year, w.ministry.pk, w.goal.pk)

    response = client.get(url)

    assert response.status_code == 200
    rows = page_tables(response.content.decode())[0]["rows"][1:]
    assert [(row[0].split()[0], row[1]) for row in rows] == [
        ("1.a", "Not started"),
        ("1.b", "Draft"),
        ("1.c", "Submitted"),
        ("1.d", "Returned for revision"),
        ("1.e", "Approved"),
        ("1.f", "Published"),
    ]
    submitted = ProgressEntry.objects.get(organisation=w.ministry, indicator__code="1.c")
    review = url_en("review", w.plan.slug, w.round.year, submitted.pk)
    assert review in response.content.decode()


def test_dashboard_link_leads_to_the_drill_down(client, constructed):
    w = constructed
    client.force_login(w.coordinator)
    html = client.get(dashboard_url(w)).content.decode()
    cell_url = url_en("dashboard-cell", w.plan.slug, w.round.year, w.other.pk, w.goal2.pk)
    assert f'href="{cell_url}"' in html


# --- timeliness ----------------------------------------------------------------------------


def test_timeliness_counts_days_from_opening_to_first_submission_and_to_approval(client, world):
    w = world
    opens = datetime.date(2023, 1, 10)
    w.round.opens_on = opens
    w.round.deadline = datetime.date(2023, 4, 1)
    w.round.save()
    second = IndicatorFactory(goal=w.goal, code="1.b")
    ResponsibilityFactory(organisation=w.ministry, goal=w.goal, indicator=second)
    other_focal = UserFactory(username="other-focal")
    MembershipFactory(user=other_focal, organisation=w.other, role=Membership.Role.FOCAL_POINT)

    def day(n):
        return local(opens + datetime.timedelta(days=n))

    def start(user, organisation, indicator):
        entry = workflow.start_entry(
            acting_user=user,
            round_=w.round,
            organisation=organisation,
            goal=w.goal,
            indicator=indicator,
        )
        entry = ProgressEntry.objects.get(pk=entry.pk)
        entry.narrative_nl = "<p>Voortgang</p>"
        return workflow.save_entry(acting_user=user, entry=entry, expected_version=entry.version)

    with at(day(2)):
        a = start(w.editor, w.ministry, w.indicator)
        b = start(w.editor, w.ministry, second)
        c = start(w.other_editor, w.other, w.indicator)
    with at(day(3)):
        workflow.submit_entry(acting_user=other_focal, entry=c)
    with at(day(5)):
        workflow.submit_entry(acting_user=w.focal, entry=a)
    with at(day(6)):
        workflow.return_entry(acting_user=w.coordinator, entry=a, comment="Bron?")
    with at(day(8)):
        workflow.submit_entry(acting_user=w.focal, entry=b)
    with at(day(10)):
        workflow.approve_entry(acting_user=w.coordinator, entry=b)
    with at(day(11)):
        a = ProgressEntry.objects.get(pk=a.pk)
        a.narrative_nl = "<p>Voortgang, met bron</p>"
        workflow.save_entry(acting_user=w.editor, entry=a, expected_version=a.version)
    with at(day(12)):
        workflow.submit_entry(acting_user=w.focal, entry=a)
    with at(day(20)):
        workflow.approve_entry(acting_user=w.second_coordinator, entry=a)

    data = build_dashboard(w.round, today=datetime.date(2023, 3, 1))
    lines = {line.organisation.pk: line for line in data.sections[0].timeliness}
    ministry, other = lines[w.ministry.pk], lines[w.other.pk]
    # The first submission counts (day 5, not the resubmission on day 12).
    assert sorted(ministry.days_to_submission) == [5, 8]
    assert (ministry.submission_median, ministry.submission_max) == (6.5, 8)
    assert sorted(ministry.days_to_approval) == [10, 20]
    assert (ministry.approval_median, ministry.approval_max) == (15, 20)
    assert other.days_to_submission == [3]
    assert (other.approval_median, other.approval_max) == (None, None)

    client.force_login(w.coordinator)
    tables = {t["id"]: t for t in page_tables(client.get(dashboard_url(w)).content.decode())}
    rows = {row[0]: row[1:] for row in tables["table-government-timeliness"]["rows"][1:]}
    assert rows[w.ministry.name_en] == ["2", "6.5", "8", "2", "15", "20"]
    assert rows[w.other.name_en] == ["1", "3", "3", "0", "", ""]


# --- downloads -----------------------------------------------------------------------------


def test_csv_and_xlsx_hold_exactly_the_tables_on_the_page(client, constructed):
    w = constructed
    w.round.deadline = timezone.localdate() - datetime.timedelta(days=1)
    w.round.save()
    client.force_login(w.coordinator)

    shown = page_tables(client.get(dashboard_url(w)).content.decode())
    csv_response = client.get(dashboard_url(w, export="csv"))
    xlsx_response = client.get(dashboard_url(w, export="xlsx"))

    assert [table["id"] for table in shown] == [
        "table-government-status",
        "table-government-timeliness",
        "table-civil_society-status",
        "table-civil_society-timeliness",
    ]
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_response["Content-Disposition"]
    blocks = csv_blocks(csv_response.content)
    assert len(blocks) == len(shown)
    for table, block in zip(shown, blocks, strict=True):
        assert block[0] == [safe_cell(table["caption"])]
        assert block[1:] == [[safe_cell(text) for text in row] for row in table["rows"]]

    sheets = xlsx_sheets(xlsx_response.content)
    assert len(sheets) == len(shown)
    for table, sheet in zip(shown, sheets, strict=True):
        assert sheet[0][0] == table["caption"]
        assert sheet[1:] == table["rows"]


def test_csv_cells_cannot_run_as_formulas(client, constructed):
    w = constructed
    w.ministry.name_en = '=HYPERLINK("http://evil","x")'
    w.ministry.save()
    w.other.name_en = "@SUM(1+1)"
    w.other.save()
    client.force_login(w.coordinator)

    content = client.get(dashboard_url(w, export="csv")).content.decode("utf-8-sig")

    cells = [cell for row in csv.reader(io.StringIO(content)) for cell in row]
    assert '\'=HYPERLINK("http://evil","x")' in cells
    assert "'@SUM(1+1)" in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    for trigger in ("=", "+", "-", "@", "\t", "\r"):
        assert safe_cell(trigger + "x") == "'" + trigger + "x"
    assert safe_cell("Ministerie") == "Ministerie"
    assert safe_cell(-3) == "-3"  # numbers are numbers, not formulas


def test_xlsx_keeps_formula_like_text_as_text(client, constructed):
    w = constructed
    w.ministry.name_en = "=1+1"
    w.ministry.save()
    client.force_login(w.coordinator)

    content = client.get(dashboard_url(w, export="xlsx")).content
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    cell = next(c for row in workbook.worksheets[0].iter_rows() for c in row if c.value == "=1+1")
    assert cell.data_type == "s"


# --- fixed number of queries ---------------------------------------------------------------


def add_organisations(world, count):
    """`count` more ministries, each responsible for three indicators, with entries in several
    statuses and recorded transitions."""
    indicators = [world.indicator] + [IndicatorFactory(goal=world.goal) for _n in range(2)]
    for n in range(count):
        organisation = OrganisationFactory(kind="civil_society" if n % 4 == 0 else "ministry")
        PlanOrganisation.objects.create(plan=world.plan, organisation=organisation)
        for indicator in indicators:
            ResponsibilityFactory(organisation=organisation, goal=world.goal, indicator=indicator)
        for indicator, status in zip(indicators[:2], ("submitted", "approved"), strict=True):
            entry = EntryFactory(
                round=world.round,
                organisation=organisation,
                goal=world.goal,
                indicator=indicator,
                status=status,
                submitted_at=timezone.now(),
            )
            EntryTransition.objects.create(entry=entry, from_status="draft", to_status="submitted")
            if status == "approved":
                EntryTransition.objects.create(
                    entry=entry, from_status="submitted", to_status="approved"
                )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("export", [None, "csv", "xlsx"])
def test_dashboard_runs_a_fixed_number_of_queries(client, world, export):
    client.force_login(world.coordinator)
    url = dashboard_url(world, **({"export": export} if export else {}))
    add_organisations(world, 1)
    small = count_queries(client, url)
    add_organisations(world, 10)
    large = count_queries(client, url)

    # Session, user, round with plan, memberships, plan roles, then the dashboard's three:
    # responsibilities, entries, first submission and approval per entry.
    assert small == large == 9  # 8 + the second-factor device


def test_drill_down_runs_a_fixed_number_of_queries(client, world):
    client.force_login(world.board)
    url = url_en(
        "dashboard-cell", world.plan.slug, world.round.year, world.ministry.pk, world.goal.pk
    )
    add_organisations(world, 1)
    small = count_queries(client, url)
    add_organisations(world, 10)
    assert small == count_queries(client, url) == 9  # 8 + the second-factor device
