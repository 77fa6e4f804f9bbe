"""Reads for the coordinators' pages: the completeness dashboard and the review queue.

`build_dashboard` is the one place that counts: the HTML page, its drill-down and both
downloads render what it returns, so they cannot disagree. It runs a fixed number of queries
however many organisations and entries the round has.
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass, field

from django.db.models import Count, Min, Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from indicators.i18n import localized
from indicators.models import (
    DisaggregationCategory,
    Goal,
    Indicator,
    Organisation,
    Responsibility,
    Subgoal,
)
from reporting.models import (
    EntryComment,
    EntryTransition,
    LockException,
    ProgressEntry,
    ProgressValue,
    ReportingRound,
)

Status = ProgressEntry.Status
NOT_STARTED = "not_started"
# The dashboard's columns, in the order an entry moves through them.
STATUSES = [
    NOT_STARTED,
    Status.DRAFT,
    Status.SUBMITTED,
    Status.RETURNED,
    Status.APPROVED,
    Status.PUBLISHED,
]
# What still has to reach the coordinator: overdue once the deadline has passed.
NOT_YET_SUBMITTED = {NOT_STARTED, Status.DRAFT, Status.RETURNED}

GOVERNMENT = "government"
CIVIL_SOCIETY = "civil_society"
OTHER = "other"


def status_label(status: str) -> str:
    if status == NOT_STARTED:
        return _("Not started")
    return str(Status(status).label)


def section_of(organisation: Organisation) -> str:
    if organisation.is_government:
        return GOVERNMENT
    if organisation.kind == Organisation.Kind.CIVIL_SOCIETY:
        return CIVIL_SOCIETY
    return OTHER


def section_titles() -> dict[str, str]:
    return {
        GOVERNMENT: _("Government organisations"),
        CIVIL_SOCIETY: _("Civil-society signatories"),
        OTHER: _("Other organisations"),
    }


def _scope_key(obj) -> tuple:
    return (obj.organisation_id, obj.goal_id, obj.subgoal_id, obj.indicator_id)


def _number(value: float | int | None) -> float | int | None:
    """Whole numbers as int, others rounded to one decimal (medians of an even count)."""
    if value is None:
        return None
    if float(value).is_integer():
        return int(value)
    return round(float(value), 1)


@dataclass
class Item:
    """One thing an organisation reports on in a goal: an entry, or a responsibility without one."""

    organisation: Organisation
    goal: Goal
    subgoal: Subgoal | None
    indicator: Indicator | None
    entry: ProgressEntry | None
    status: str
    overdue: bool
    submitted_at: datetime.datetime | None = None
    approved_at: datetime.datetime | None = None

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def sort_key(self) -> tuple:
        return (
            self.subgoal.position if self.subgoal else -1,
            self.subgoal.number if self.subgoal else "",
            self.indicator.position if self.indicator else -1,
            self.indicator.code if self.indicator else "",
        )


@dataclass
class Cell:
    """An organisation x goal cell: its items and their counts per status."""

    organisation: Organisation
    goal: Goal
    items: list[Item] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for item in self.items:
            counts[item.status] += 1
        return counts

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.items if item.overdue)


@dataclass
class Timeliness:
    """Days from the round's opening to each first submission and to each approval."""

    organisation: Organisation
    days_to_submission: list[int] = field(default_factory=list)
    days_to_approval: list[int] = field(default_factory=list)

    @staticmethod
    def _median(days: list[int]):
        return _number(statistics.median(days)) if days else None

    @property
    def submission_median(self):
        return self._median(self.days_to_submission)

    @property
    def submission_max(self):
        return max(self.days_to_submission, default=None)

    @property
    def approval_median(self):
        return self._median(self.days_to_approval)

    @property
    def approval_max(self):
        return max(self.days_to_approval, default=None)


@dataclass
class TableRow:
    values: list
    cell: Cell | None = None
    flagged: bool = False
    # The page shows an organisation's name once for its consecutive rows: the first row spans
    # them (span > 1), the others leave the name out (span 0). Downloads repeat the name.
    span: int = 1


@dataclass
class Table:
    """A table exactly as the page shows it and the downloads write it."""

    key: str
    title: str
    columns: list[str]
    rows: list[TableRow]
    footer: list | None = None
    numeric_from: int = 1  # index of the first numeric column, for alignment

    def as_lists(self) -> list[list]:
        lists = [list(self.columns), *(row.values for row in self.rows)]
        if self.footer is not None:
            lists.append(self.footer)
        return lists


@dataclass
class Section:
    key: str
    title: str
    cells: list[Cell]
    timeliness: list[Timeliness]

    @property
    def totals(self) -> dict[str, int]:
        totals = dict.fromkeys(STATUSES, 0)
        for cell in self.cells:
            for status, count in cell.counts.items():
                totals[status] += count
        return totals

    @property
    def total(self) -> int:
        return sum(cell.total for cell in self.cells)

    @property
    def overdue(self) -> int:
        return sum(cell.overdue for cell in self.cells)


@dataclass
class Dashboard:
    round: ReportingRound
    today: datetime.date
    sections: list[Section]
    goals: list[Goal]

    @property
    def has_civil_society(self) -> bool:
        return any(section.key == CIVIL_SOCIETY for section in self.sections)

    @property
    def deadline_passed(self) -> bool:
        return self.today > self.round.deadline

    def cell(self, organisation_id: int, goal_id: int) -> Cell | None:
        for section in self.sections:
            for cell in section.cells:
                if cell.organisation.pk == organisation_id and cell.goal.pk == goal_id:
                    return cell
        return None

    def organisation_name(self, organisation: Organisation) -> str:
        return localized(organisation, "name", fallback=self.round.plan.language).text

    def status_table(self, section: Section) -> Table:
        columns = [
            _("Organisation"),
            pgettext("strategic goal", "Goal"),
            *(status_label(status) for status in STATUSES),
            _("Total"),
            _("Overdue"),
        ]
        rows = []
        for cell in section.cells:
            counts = cell.counts
            rows.append(
                TableRow(
                    values=[
                        self.organisation_name(cell.organisation),
                        cell.goal.number,
                        *(counts[status] for status in STATUSES),
                        cell.total,
                        cell.overdue,
                    ],
                    cell=cell,
                    flagged=cell.overdue > 0,
                )
            )
        first = 0
        for index in range(1, len(rows) + 1):
            if index == len(rows) or rows[index].cell.organisation != rows[first].cell.organisation:
                rows[first].span = index - first
                for row in rows[first + 1 : index]:
                    row.span = 0
                first = index
        totals = section.totals
        footer = [
            _("Total"),
            "",
            *(totals[status] for status in STATUSES),
            section.total,
            section.overdue,
        ]
        return Table(
            key=f"{section.key}-status",
            title=section.title,
            columns=columns,
            rows=rows,
            footer=footer,
            numeric_from=2,
        )

    def timeliness_table(self, section: Section) -> Table:
        columns = [
            _("Organisation"),
            _("Entries submitted"),
            _("Median days to submission"),
            _("Most days to submission"),
            _("Entries approved"),
            _("Median days to approval"),
            _("Most days to approval"),
        ]
        rows = [
            TableRow(
                values=[
                    self.organisation_name(line.organisation),
                    len(line.days_to_submission),
                    line.submission_median,
                    line.submission_max,
                    len(line.days_to_approval),
                    line.approval_median,
                    line.approval_max,
                ]
            )
            for line in section.timeliness
        ]
        return Table(
            key=f"{section.key}-timeliness",
            title=_("%(section)s: timeliness") % {"section": section.title},
            columns=columns,
            rows=rows,
        )

    def tables(self) -> list[tuple[Section, Table, Table]]:
        return [
            (section, self.status_table(section), self.timeliness_table(section))
            for section in self.sections
        ]

    def all_tables(self) -> list[Table]:
        return [table for _section, *tables in self.tables() for table in tables]


def build_dashboard(round_: ReportingRound, today: datetime.date | None = None) -> Dashboard:
    """Count, for one round, what every organisation reports on per goal and how far it got.

    Three queries: the plan's responsibilities, the round's entries, and the first submission
    and approval of each entry from the transition log. `round_.plan` must be loaded already.
    """
    today = today or timezone.localdate()
    deadline_passed = today > round_.deadline

    responsibilities = list(
        Responsibility.objects.filter(goal__plan_id=round_.plan_id).select_related(
            "organisation", "goal", "subgoal", "indicator"
        )
    )
    entries = list(
        ProgressEntry.objects.filter(round=round_)
        .select_related("organisation", "goal", "subgoal", "indicator")
        .defer(
            "narrative",
            "narrative_nl",
            "narrative_en",
            "narrative_fr",
            "not_reported_reason",
            "not_reported_reason_nl",
            "not_reported_reason_en",
            "not_reported_reason_fr",
        )
    )
    firsts: dict[tuple[int, str], datetime.datetime] = {
        (row["entry_id"], row["to_status"]): row["first"]
        for row in EntryTransition.objects.filter(
            entry__round=round_, to_status__in=[Status.SUBMITTED, Status.APPROVED]
        )
        .values("entry_id", "to_status")
        .annotate(first=Min("at"))
    }

    def earliest(*moments):
        moments = [moment for moment in moments if moment is not None]
        return min(moments) if moments else None

    items: list[Item] = []
    started = set()
    for entry in entries:
        started.add(_scope_key(entry))
        # The first submission counts: a return and resubmission is the review's time, not the
        # organisation's. Approval counts only while the entry is still approved (or published).
        submitted_at = earliest(firsts.get((entry.pk, Status.SUBMITTED)), entry.submitted_at)
        approved_at = None
        if entry.status in (Status.APPROVED, Status.PUBLISHED):
            approved_at = earliest(firsts.get((entry.pk, Status.APPROVED)), entry.approved_at)
        items.append(
            Item(
                organisation=entry.organisation,
                goal=entry.goal,
                subgoal=entry.subgoal,
                indicator=entry.indicator,
                entry=entry,
                status=entry.status,
                overdue=deadline_passed and entry.status in NOT_YET_SUBMITTED,
                submitted_at=submitted_at,
                approved_at=approved_at,
            )
        )
    for responsibility in responsibilities:
        if _scope_key(responsibility) in started:
            continue
        items.append(
            Item(
                organisation=responsibility.organisation,
                goal=responsibility.goal,
                subgoal=responsibility.subgoal,
                indicator=responsibility.indicator,
                entry=None,
                status=NOT_STARTED,
                overdue=deadline_passed,
            )
        )

    language = round_.plan.language
    organisations: dict[int, Organisation] = {}
    cells: dict[tuple[int, int], Cell] = {}
    goals: dict[int, Goal] = {}
    for item in items:
        organisations[item.organisation.pk] = item.organisation
        goals[item.goal.pk] = item.goal
        key = (item.organisation.pk, item.goal.pk)
        if key not in cells:
            cells[key] = Cell(organisation=item.organisation, goal=item.goal)
        cells[key].items.append(item)
    for cell in cells.values():
        cell.items.sort(key=lambda item: item.sort_key)

    def organisation_order(organisation):
        return (localized(organisation, "name", fallback=language).text.lower(), organisation.pk)

    def days(moment: datetime.datetime) -> int:
        return (timezone.localdate(moment) - round_.opens_on).days

    titles = section_titles()
    sections = []
    for key in (GOVERNMENT, CIVIL_SOCIETY, OTHER):
        members = sorted(
            (org for org in organisations.values() if section_of(org) == key),
            key=organisation_order,
        )
        if not members:
            continue
        section_cells = []
        timeliness = []
        for organisation in members:
            own = sorted(
                (cell for (org_id, _goal), cell in cells.items() if org_id == organisation.pk),
                key=lambda cell: cell.goal.number,
            )
            section_cells.extend(own)
            line = Timeliness(organisation=organisation)
            for cell in own:
                for item in cell.items:
                    if item.submitted_at:
                        line.days_to_submission.append(days(item.submitted_at))
                    if item.approved_at:
                        line.days_to_approval.append(days(item.approved_at))
            timeliness.append(line)
        sections.append(
            Section(key=key, title=titles[key], cells=section_cells, timeliness=timeliness)
        )
    return Dashboard(
        round=round_,
        today=today,
        sections=sections,
        goals=sorted(goals.values(), key=lambda goal: goal.number),
    )


def review_queue(round_: ReportingRound, *, organisation=None, goal=None):
    """The round's submitted entries, oldest submission first."""
    queryset = (
        ProgressEntry.objects.filter(round=round_, status=Status.SUBMITTED)
        .select_related(
            "organisation", "goal", "subgoal", "indicator", "submitted_by", "last_edited_by"
        )
        .order_by("submitted_at", "pk")
    )
    if organisation is not None:
        queryset = queryset.filter(organisation=organisation)
    if goal is not None:
        queryset = queryset.filter(goal=goal)
    return queryset


def round_status_counts(plan) -> dict[int, dict[str, int]]:
    """Per round of the plan: how many entries are in each status (one query)."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        ProgressEntry.objects.filter(round__plan=plan)
        .values("round_id", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["round_id"], dict.fromkeys(Status.values, 0))[row["status"]] = row[
            "count"
        ]
    return counts


def review_entry(round_: ReportingRound, entry_id: int) -> ProgressEntry:
    """One entry of the round with everything its review page shows, in a fixed number of
    queries."""
    entry = get_object_or_404(
        ProgressEntry.objects.select_related(
            "organisation",
            "goal",
            "subgoal",
            "indicator",
            "submitted_by",
            "approved_by",
            "last_edited_by",
        ).prefetch_related(
            Prefetch("values", queryset=ProgressValue.objects.select_related("category")),
            Prefetch(
                "indicator__categories",
                queryset=DisaggregationCategory.objects.order_by("position", "code"),
            ),
            "references",
            "examples",
            Prefetch("comments", queryset=EntryComment.objects.select_related("author")),
            Prefetch("transitions", queryset=EntryTransition.objects.select_related("actor")),
            Prefetch(
                "lock_exceptions", queryset=LockException.objects.select_related("granted_by")
            ),
        ),
        round=round_,
        pk=entry_id,
    )
    entry.round = round_  # already loaded, with its plan: the access checks read both
    return entry
