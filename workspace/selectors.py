"""Reads for the workspace: the worklist, last year's entry and an entry's content.

Each function reads with a fixed number of queries, whatever the number of items. An entry's
versions and their differences are read by `reporting.history`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Membership
from indicators.i18n import localized
from indicators.models import Goal, Indicator, Organisation, Responsibility
from napportal.richtext import sanitize_html
from reporting import access
from reporting.history import language_name
from reporting.models import ProgressEntry, ProgressValue, ReportingRound

Status = ProgressEntry.Status
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def plan_languages(plan_language: str | None) -> list[str]:
    """Every language, the plan's own first."""
    return list(dict.fromkeys(code for code in [plan_language, *LANGUAGE_CODES] if code))


def _scope_key(goal_id, subgoal_id, indicator_id) -> tuple:
    return (goal_id, subgoal_id, indicator_id)


def _scope_sort_key(goal, subgoal, indicator) -> tuple:
    return (
        goal.number,
        -1 if subgoal is None else subgoal.position,
        "" if subgoal is None else subgoal.number,
        -1 if indicator is None else indicator.position,
        "" if indicator is None else indicator.code,
    )


# --- the worklist -----------------------------------------------------------------------------


@dataclass
class WorkItem:
    """A goal, subgoal or indicator an organisation reports on, and its entry if started."""

    round: ReportingRound
    organisation: Organisation
    goal: Goal
    subgoal: object | None
    indicator: Indicator | None
    responsibility: Responsibility | None
    entry: ProgressEntry | None
    can_start: bool = False
    edit_denial: str | None = None

    @property
    def status(self) -> str:
        return self.entry.status if self.entry else "not_started"

    @property
    def is_editable(self) -> bool:
        return self.entry is not None and self.edit_denial is None

    @property
    def is_unfinished(self) -> bool:
        """Still to be done by the organisation: flagged once the deadline has passed."""
        return self.status in ("not_started", Status.DRAFT, Status.RETURNED)

    @property
    def sort_key(self) -> tuple:
        return _scope_sort_key(self.goal, self.subgoal, self.indicator)


@dataclass
class GoalWork:
    goal: Goal
    items: list[WorkItem] = field(default_factory=list)


@dataclass
class OrganisationWork:
    round: ReportingRound
    organisation: Organisation
    role: str
    goals: list[GoalWork] = field(default_factory=list)

    @property
    def items(self) -> list[WorkItem]:
        return [item for goal in self.goals for item in goal.items]

    @property
    def is_civil_society(self) -> bool:
        return self.organisation.kind == Organisation.Kind.CIVIL_SOCIETY

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(["not_started", *Status.values], 0)
        for item in self.items:
            counts[item.status] += 1
        return counts

    @property
    def submittable(self) -> int:
        return sum(1 for item in self.items if item.status in (Status.DRAFT, Status.RETURNED))

    @property
    def is_focal_point(self) -> bool:
        return self.role == Membership.Role.FOCAL_POINT

    @property
    def can_submit_all(self) -> bool:
        return (
            self.is_focal_point
            and self.submittable > 0
            and access.round_closed_reason(self.round) is None
        )


@dataclass
class RoundWork:
    round: ReportingRound
    today: datetime.date
    organisations: list[OrganisationWork] = field(default_factory=list)

    @property
    def days_left(self) -> int:
        return (self.round.deadline - self.today).days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left

    @property
    def closed_reason(self) -> str | None:
        return access.round_closed_reason(self.round, self.today)


def build_worklist(user, today: datetime.date | None = None) -> list[RoundWork]:
    """Every open round of the user's organisations, with what each organisation reports on.

    Items come from the organisation's responsibilities; entries that exist without one (the
    responsibility was removed later) are listed too, so no started work disappears.
    """
    today = today or timezone.localdate()
    user_access = access.access_for(user)
    organisation_ids = user_access.organisations()
    if not organisation_ids:
        return []
    responsibilities = list(
        Responsibility.objects.filter(organisation_id__in=organisation_ids).select_related(
            "organisation", "goal__plan", "subgoal", "indicator"
        )
    )
    plan_ids = {responsibility.goal.plan_id for responsibility in responsibilities}
    rounds = list(
        ReportingRound.objects.filter(state=ReportingRound.State.OPEN)
        .filter(Q(plan_id__in=plan_ids) | Q(entries__organisation_id__in=organisation_ids))
        .select_related("plan")
        .distinct()
        .order_by("deadline", "plan__short_name")
    )
    if not rounds:
        return []
    entries = list(
        ProgressEntry.objects.filter(round__in=rounds, organisation_id__in=organisation_ids)
        .select_related("organisation", "goal", "subgoal", "indicator")
        .prefetch_related("lock_exceptions")
    )
    rounds_by_id = {round_.pk: round_ for round_ in rounds}
    entries_by_key: dict[tuple, ProgressEntry] = {}
    for entry in entries:
        entry.round = rounds_by_id[entry.round_id]  # already read: no query per entry
        key = (entry.round_id, entry.organisation_id, entry.goal_id, entry.subgoal_id)
        entries_by_key[(*key, entry.indicator_id)] = entry

    result = []
    for round_ in rounds:
        round_closed = access.round_closed_reason(round_, today) is not None
        work_by_organisation: dict[int, dict[tuple, WorkItem]] = {}
        organisations: dict[int, Organisation] = {}
        for responsibility in responsibilities:
            if responsibility.goal.plan_id != round_.plan_id:
                continue
            organisation = responsibility.organisation
            organisations[organisation.pk] = organisation
            scope = _scope_key(
                responsibility.goal_id, responsibility.subgoal_id, responsibility.indicator_id
            )
            entry = entries_by_key.get((round_.pk, organisation.pk, *scope))
            work_by_organisation.setdefault(organisation.pk, {})[scope] = WorkItem(
                round=round_,
                organisation=organisation,
                goal=responsibility.goal,
                subgoal=responsibility.subgoal,
                indicator=responsibility.indicator,
                responsibility=responsibility,
                entry=entry,
                can_start=(
                    entry is None
                    and not round_closed
                    and user_access.can_edit_organisation(organisation.pk)
                ),
            )
        for entry in entries:
            if entry.round_id != round_.pk:
                continue
            scope = _scope_key(entry.goal_id, entry.subgoal_id, entry.indicator_id)
            items = work_by_organisation.setdefault(entry.organisation_id, {})
            organisations[entry.organisation_id] = entry.organisation
            if scope not in items:
                items[scope] = WorkItem(
                    round=round_,
                    organisation=entry.organisation,
                    goal=entry.goal,
                    subgoal=entry.subgoal,
                    indicator=entry.indicator,
                    responsibility=None,
                    entry=entry,
                )
        round_work = RoundWork(round=round_, today=today)
        for organisation in sorted(organisations.values(), key=lambda o: str(o).lower()):
            work = OrganisationWork(
                round=round_,
                organisation=organisation,
                role=user_access.roles.get(organisation.pk, ""),
            )
            goals: dict[int, GoalWork] = {}
            items = sorted(work_by_organisation[organisation.pk].values(), key=lambda i: i.sort_key)
            for item in items:
                if item.entry is not None:
                    item.edit_denial = access.edit_denial(user, item.entry)
                goals.setdefault(item.goal.pk, GoalWork(goal=item.goal)).items.append(item)
            work.goals = list(goals.values())
            round_work.organisations.append(work)
        result.append(round_work)
    return result


def existing_entry(round_: ReportingRound, organisation_id: int, responsibility: Responsibility):
    return ProgressEntry.objects.filter(
        round=round_,
        organisation_id=organisation_id,
        goal_id=responsibility.goal_id,
        subgoal_id=responsibility.subgoal_id,
        indicator_id=responsibility.indicator_id,
    ).first()


# --- one entry --------------------------------------------------------------------------------


def previous_entry(entry: ProgressEntry) -> ProgressEntry | None:
    """The same organisation's entry on the same goal, subgoal or indicator a year earlier."""
    return (
        ProgressEntry.objects.filter(
            organisation_id=entry.organisation_id,
            round__plan_id=entry.round.plan_id,
            round__year=entry.round.year - 1,
            goal_id=entry.goal_id,
            subgoal_id=entry.subgoal_id,
            indicator_id=entry.indicator_id,
        )
        .select_related("round")
        .prefetch_related(
            Prefetch("values", queryset=ProgressValue.objects.select_related("category")),
            "examples",
            "references",
        )
        .first()
    )


@dataclass
class LocalizedHtml:
    language: str
    name: str
    html: str


@dataclass
class EntryContent:
    """What an entry says, ready for a read-only rendering."""

    entry: ProgressEntry
    values: list[tuple[str, object]]
    narratives: list[LocalizedHtml]
    not_reported: str
    reasons: list[LocalizedHtml]
    examples: list
    references: list

    @property
    def is_empty(self) -> bool:
        return not (self.values or self.narratives or self.not_reported or self.examples)


def entry_content(entry: ProgressEntry, categories, languages: list[str]) -> EntryContent:
    """`categories` are the indicator's (already read); values, examples and references are read
    from the entry's prefetch cache when there is one."""
    values = {value.category_id: value.value for value in entry.values.all()}
    rows = []
    is_count = entry.indicator_id and entry.indicator.kind == Indicator.Kind.COUNT
    for category in categories:
        if category.pk in values:
            label = localized(category, "label", fallback=languages[0]).text
            rows.append((label, values[category.pk]))
    if None in values:
        rows.append((gettext("Total"), values[None]))
    if is_count:
        rows = [(label, int(value)) for label, value in rows]
    narratives = []
    reasons = []
    for code in languages:
        text = getattr(entry, f"narrative_{code}", "") or ""
        if text.strip():
            narratives.append(LocalizedHtml(code, language_name(code), sanitize_html(text)))
        reason = getattr(entry, f"not_reported_reason_{code}", "") or ""
        if reason.strip():
            reasons.append(LocalizedHtml(code, language_name(code), reason))
    return EntryContent(
        entry=entry,
        values=rows,
        narratives=narratives,
        not_reported=entry.get_not_reported_display() if entry.not_reported else "",
        reasons=reasons,
        examples=list(entry.examples.all()),
        references=list(entry.references.all()),
    )
