"""Who gets a reminder today, about what: the reading side of `send_reminders`.

For every open round whose deadline is REMINDER_DAYS_BEFORE days away, or has passed, each
organisation with unfinished work (a responsibility without an entry, or an entry in draft or
returned) is reminded through its editors and focal points; once ESCALATE_AFTER_DAYS days
overdue, the plan's coordinators also get a summary per organisation. Everything one person is
told in one run goes into one digest. The number of queries does not grow with the data.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings

from accounts.models import Membership
from indicators.models import (
    Goal,
    Indicator,
    Organisation,
    PlanOrganisation,
    Responsibility,
    Subgoal,
)
from reporting.models import ProgressEntry, ReportingRound

from .mail import NOT_STARTED
from .models import Reminder

Kind = Reminder.Kind
UNFINISHED = (ProgressEntry.Status.DRAFT, ProgressEntry.Status.RETURNED)
# The order items are counted and shown in: what needs the reporter most first.
ITEM_STATES = (ProgressEntry.Status.RETURNED, NOT_STARTED, ProgressEntry.Status.DRAFT)
COORDINATING = (PlanOrganisation.Role.COORDINATOR, PlanOrganisation.Role.CO_COORDINATOR)


@dataclass
class WorkItem:
    """A goal, subgoal or indicator an organisation has not finished; `entry` is None when it
    was not started."""

    goal: Goal
    subgoal: Subgoal | None
    indicator: Indicator | None
    state: str
    entry: ProgressEntry | None = None

    @property
    def sort_key(self):
        return (
            self.goal.number,
            self.subgoal.position if self.subgoal else -1,
            self.indicator.position if self.indicator else -1,
            self.indicator.code if self.indicator else "",
        )


@dataclass
class OrganisationWork:
    round: ReportingRound
    organisation: Organisation
    items: list[WorkItem] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for item in self.items if item.state == state)


@dataclass
class RoundPart:
    """One round in a digest: the organisations the recipient is told about."""

    round: ReportingRound
    kind: str
    today: datetime.date
    works: list[OrganisationWork] = field(default_factory=list)

    @property
    def days_left(self) -> int:
        return (self.round.deadline - self.today).days

    @property
    def days_overdue(self) -> int:
        return -self.days_left


@dataclass
class Digest:
    """Everything one person is told in one run: their own organisations' unfinished work, and
    for coordinators the organisations that are long overdue."""

    user: object
    reminders: list[RoundPart] = field(default_factory=list)
    escalations: list[RoundPart] = field(default_factory=list)

    @property
    def parts(self) -> list[RoundPart]:
        return self.reminders + self.escalations

    @property
    def item_count(self) -> int:
        return sum(len(work.items) for part in self.reminders for work in part.works)


@dataclass
class ReminderPlan:
    digests: list[Digest]
    # Members who would have been reminded but have no e-mail address.
    without_address: list[object]


def reminder_kind(round_: ReportingRound, today: datetime.date) -> str | None:
    """Whether the round's reporters are reminded today, and how."""
    days_left = (round_.deadline - today).days
    if days_left < 0:
        return Kind.OVERDUE
    if days_left in settings.REMINDER_DAYS_BEFORE:
        return Kind.BEFORE_DEADLINE
    return None


def escalates(round_: ReportingRound, today: datetime.date) -> bool:
    return (today - round_.deadline).days >= settings.ESCALATE_AFTER_DAYS


def unfinished_work(rounds: list[ReportingRound]) -> list[OrganisationWork]:
    """Per round and organisation, the items not finished yet, in report order (4 queries)."""
    if not rounds:
        return []
    round_by_id = {round_.pk: round_ for round_ in rounds}
    rounds_by_plan = defaultdict(list)
    for round_ in rounds:
        rounds_by_plan[round_.plan_id].append(round_)
    works: dict[tuple[int, int], OrganisationWork] = {}

    def work_for(round_, organisation) -> OrganisationWork:
        key = (round_.pk, organisation.pk)
        if key not in works:
            works[key] = OrganisationWork(round=round_, organisation=organisation)
        return works[key]

    started = set(
        ProgressEntry.objects.filter(round__in=rounds).values_list(
            "round_id", "organisation_id", "goal_id", "subgoal_id", "indicator_id"
        )
    )
    responsibilities = Responsibility.objects.filter(
        goal__plan_id__in=rounds_by_plan
    ).select_related("organisation", "goal", "subgoal", "indicator")
    for responsibility in responsibilities:
        for round_ in rounds_by_plan[responsibility.goal.plan_id]:
            key = (
                round_.pk,
                responsibility.organisation_id,
                responsibility.goal_id,
                responsibility.subgoal_id,
                responsibility.indicator_id,
            )
            if key not in started:
                work_for(round_, responsibility.organisation).items.append(
                    WorkItem(
                        goal=responsibility.goal,
                        subgoal=responsibility.subgoal,
                        indicator=responsibility.indicator,
                        state=NOT_STARTED,
                    )
                )
    entries = ProgressEntry.objects.filter(round__in=rounds, status__in=UNFINISHED).select_related(
        "organisation", "goal", "subgoal", "indicator"
    )
    for entry in entries:
        work_for(round_by_id[entry.round_id], entry.organisation).items.append(
            WorkItem(
                goal=entry.goal,
                subgoal=entry.subgoal,
                indicator=entry.indicator,
                state=entry.status,
                entry=entry,
            )
        )
    result = [work for work in works.values() if work.items]
    for work in result:
        work.items.sort(key=lambda item: item.sort_key)
    result.sort(key=lambda work: (str(work.organisation).lower(), work.organisation.pk))
    return result


def plan_reminders(today: datetime.date) -> ReminderPlan:
    """The digests to send on `today`, leaving out what was already sent today."""
    due = {}
    for round_ in ReportingRound.objects.filter(state=ReportingRound.State.OPEN).select_related(
        "plan"
    ):
        kind = reminder_kind(round_, today)
        if kind:
            due[round_.pk] = (round_, kind)
    works = unfinished_work([round_ for round_, _kind in due.values()])
    if not works:
        return ReminderPlan(digests=[], without_address=[])

    # Reporters: the editors and focal points of each organisation with unfinished work.
    members = defaultdict(list)  # organisation id -> users
    for membership in Membership.objects.filter(
        organisation_id__in={work.organisation.pk for work in works},
        role__in=[Membership.Role.EDITOR, Membership.Role.FOCAL_POINT],
        user__is_active=True,
    ).select_related("user"):
        members[membership.organisation_id].append(membership.user)

    # Coordinators: coordinator members of an organisation coordinating the plan.
    escalated = {
        round_.pk
        for round_, kind in due.values()
        if kind == Kind.OVERDUE and escalates(round_, today)
    }
    coordinators = defaultdict(dict)  # plan id -> {user id: user}
    if escalated:
        coordinating = defaultdict(set)  # organisation id -> plan ids
        for plan_id, organisation_id in PlanOrganisation.objects.filter(
            plan_id__in={due[pk][0].plan_id for pk in escalated}, role__in=COORDINATING
        ).values_list("plan_id", "organisation_id"):
            coordinating[organisation_id].add(plan_id)
        for membership in Membership.objects.filter(
            organisation_id__in=coordinating,
            role=Membership.Role.COORDINATOR,
            user__is_active=True,
        ).select_related("user"):
            for plan_id in coordinating[membership.organisation_id]:
                coordinators[plan_id][membership.user_id] = membership.user

    already_sent = set(
        Reminder.objects.filter(sent_on=today).values_list("user_id", "round_id", "kind")
    )
    digests: dict[int, Digest] = {}
    parts: dict[tuple[int, int, str], RoundPart] = {}
    without_address = {}

    def add(user, round_, kind, work) -> None:
        if (user.pk, round_.pk, kind) in already_sent:
            return
        if not user.email:
            without_address[user.pk] = user
            return
        digest = digests.setdefault(user.pk, Digest(user=user))
        key = (user.pk, round_.pk, kind)
        if key not in parts:
            parts[key] = RoundPart(round=round_, kind=kind, today=today)
            target = digest.escalations if kind == Kind.ESCALATION else digest.reminders
            target.append(parts[key])
        parts[key].works.append(work)

    for work in works:
        round_, kind = due[work.round.pk]
        for user in members[work.organisation.pk]:
            add(user, round_, kind, work)
        if round_.pk in escalated:
            for user in coordinators[round_.plan_id].values():
                add(user, round_, Kind.ESCALATION, work)

    for digest in digests.values():
        for part_list in (digest.reminders, digest.escalations):
            part_list.sort(key=lambda part: (part.round.deadline, part.round.plan.short_name))
    ordered = sorted(digests.values(), key=lambda digest: (digest.user.email, digest.user.pk))
    return ReminderPlan(digests=ordered, without_address=list(without_address.values()))
