"""One report context for every output format.

`build_report` reads the database with a fixed number of queries, whatever the size of the plan,
and returns plain dataclasses. The HTML/PDF template and the Word writer only walk this
structure: neither queries the database nor decides what belongs in the report.

Content rule: a report holds approved and published entries. A draft preview (`draft=True`)
also holds drafts, submitted and returned entries, and is then marked as a draft on every page.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django_countries import countries

from indicators.i18n import LocalizedText, localized
from indicators.models import (
    DisaggregationCategory,
    Goal,
    Indicator,
    Organisation,
    Pillar,
    Plan,
    PlanOrganisation,
    Responsibility,
    Subgoal,
)
from reporting.models import (
    CoverLetter,
    Example,
    LetterSignature,
    PlanNarrative,
    ProgressEntry,
    ProgressValue,
    Reference,
    ReportingRound,
)

Status = ProgressEntry.Status
REPORTABLE = (Status.APPROVED, Status.PUBLISHED)
LAYOUTS = ("organisation", "goal")

# The plain-text reasons ("nothing to report") are not rich text; everything else is HTML that
# was sanitised when it was saved (napportal.richtext).


@dataclass
class Signature:
    title: LocalizedText
    name: str


@dataclass
class Letter:
    date: str
    reference: str
    sender: LocalizedText
    addressee: LocalizedText
    subject: LocalizedText
    salutation: LocalizedText
    body: LocalizedText  # HTML
    signatures: list[Signature]


@dataclass
class ValueRow:
    label: LocalizedText | None  # None for the total
    values: list[str]  # formatted, one per column; "" where nothing was reported


@dataclass
class ValueTable:
    columns: list[str]  # years, or "year" headings
    rows: list[ValueRow]
    caption: str = ""


@dataclass
class ExampleView:
    title: LocalizedText
    description: LocalizedText  # HTML
    country: str
    partner: str
    link: str


@dataclass
class ReferenceView:
    kind: str
    citation: str
    title: str
    url: str


@dataclass
class EntryView:
    id: int
    year: int
    organisation_id: int
    organisation: LocalizedText
    status: str
    status_label: str
    is_draft: bool
    narrative: LocalizedText  # HTML
    not_reported: str  # the label, e.g. "Nothing to report"
    not_reported_reason: LocalizedText
    values: ValueTable | None
    examples: list[ExampleView]
    references: list[ReferenceView]


@dataclass
class NarrativeView:
    """A thematic section or a goal's closing narrative in the final report."""

    anchor: str
    title: LocalizedText
    body: LocalizedText  # HTML
    status: str
    status_label: str
    is_draft: bool


@dataclass
class ScopeContent:
    """What is reported at one place of the framework: entries, and who still owes input."""

    entries: list[EntryView] = field(default_factory=list)
    missing: list[LocalizedText] = field(default_factory=list)  # organisation names

    def __bool__(self) -> bool:
        return bool(self.entries or self.missing)


@dataclass
class IndicatorView:
    anchor: str
    code: str
    text: LocalizedText
    kind: str
    kind_label: str
    is_quantitative: bool
    unit: LocalizedText
    baseline: str
    target: str
    content: ScopeContent
    series: ValueTable | None = None  # final report: the values across the plan period


@dataclass
class SubgoalView:
    anchor: str
    number: str
    title: LocalizedText
    content: ScopeContent
    indicators: list[IndicatorView]


@dataclass
class GoalView:
    anchor: str
    number: int
    title: LocalizedText
    pillar: str
    pillar_label: str
    content: ScopeContent
    indicators: list[IndicatorView]
    subgoals: list[SubgoalView]
    closing: NarrativeView | None = None  # final report: the goal over the plan period


@dataclass
class OrganisationSection:
    anchor: str
    name: LocalizedText
    abbreviation: LocalizedText
    goals: list[GoalView]


@dataclass
class Report:
    plan_slug: str
    plan_short_name: str
    plan_title: LocalizedText
    year: int
    first_year: int
    language: str
    layout: str
    draft: bool
    final: bool
    title: str
    subtitle: str
    annex_title: str
    date: str
    reference: str
    letter: Letter | None
    # Layout "organisation": one section per organisation holding its goals.
    organisations: list[OrganisationSection]
    # Layout "goal" and the final report: goals integrated across organisations.
    goals: list[GoalView]
    entry_count: int
    fingerprint: str  # changes whenever anything that is printed changes
    # Final report: thematic sections printed before the goals.
    sections: list[NarrativeView] = field(default_factory=list)

    @property
    def filename_stem(self) -> str:
        return filename_stem(
            self.plan_slug, self.year, self.layout, self.language, self.draft, self.final
        )


def filename_stem(
    plan_slug: str, year: int, layout: str, language: str, draft: bool, final: bool
) -> str:
    """The document's file name without extension (the final report is always by goal)."""
    parts = [plan_slug, str(year), "goal" if final else layout, language]
    if final:
        parts.insert(1, "final")
    if draft:
        parts.append("draft")
    return "-".join(parts)


class ReportError(ValueError):
    """The report cannot be built (no such round, unknown layout or language)."""


# Labels of other apps as the report prints them. The context "report" keeps these in the
# report's own catalogue without changing how the other apps' pages word them.
PILLAR_LABELS = {
    Pillar.PARTICIPATION: pgettext_lazy("report", "Participation"),
    Pillar.PREVENTION: pgettext_lazy("report", "Prevention"),
    Pillar.PROTECTION: pgettext_lazy("report", "Protection"),
    Pillar.RELIEF_RECOVERY: pgettext_lazy("report", "Relief and recovery"),
    Pillar.MAINSTREAMING: pgettext_lazy("report", "Mainstreaming"),
}
STATUS_LABELS = {
    Status.DRAFT: pgettext_lazy("report", "Draft"),
    Status.SUBMITTED: pgettext_lazy("report", "Submitted"),
    Status.RETURNED: pgettext_lazy("report", "Returned for revision"),
    Status.APPROVED: pgettext_lazy("report", "Approved"),
    Status.PUBLISHED: pgettext_lazy("report", "Published"),
}
NOT_REPORTED_LABELS = {
    ProgressEntry.NotReported.NOTHING_TO_REPORT: pgettext_lazy("report", "Nothing to report"),
    ProgressEntry.NotReported.NO_DATA: pgettext_lazy("report", "No data available"),
}


def report_label(labels: dict, value) -> str:
    """The report's wording of a choice (the raw value for a choice added later)."""
    return str(labels.get(value, value))


def _format_number(value: Decimal | None, kind: str, currency: str = "") -> str:
    if value is None:
        return ""
    places = 0 if value == value.to_integral_value() else 2
    text = number_format(value, decimal_pos=places, force_grouping=True)
    if kind == Indicator.Kind.PERCENTAGE:
        return f"{text}%"
    if kind == Indicator.Kind.AMOUNT and currency:
        return f"{currency} {text}"
    return text


def build_report(
    *,
    plan: Plan,
    year: int,
    layout: str = "organisation",
    language: str | None = None,
    draft: bool = False,
    final: bool = False,
) -> Report:
    """The complete content of a report, read with a fixed number of queries."""
    if layout not in LAYOUTS:
        raise ReportError(_("Unknown layout %(layout)s.") % {"layout": layout})
    language = language or plan.language
    with translation.override(language):
        return _Builder(plan, year, layout, language, draft, final).build()


class _Builder:
    def __init__(self, plan, year, layout, language, draft, final):
        self.plan = plan
        self.year = year
        self.layout = "goal" if final else layout
        self.language = language
        self.draft = draft
        self.final = final
        self.statuses = list(Status.values) if draft else list(REPORTABLE)

    def text(self, obj, name: str) -> LocalizedText:
        return localized(obj, name, self.language, self.plan.language)

    # -- reading --------------------------------------------------------------------------

    def read(self):
        plan = self.plan
        rounds = {
            r.year: r for r in ReportingRound.objects.filter(plan=plan, year__lte=self.year)
        }  # query 1
        self.round = rounds.get(self.year)
        if self.round is None:
            raise ReportError(
                _("%(plan)s has no reporting round for %(year)s.")
                % {"plan": plan.short_name, "year": self.year}
            )
        self.letter = (
            CoverLetter.objects.filter(round=self.round)
            .prefetch_related(
                Prefetch("signatures", queryset=LetterSignature.objects.order_by("position", "pk"))
            )
            .first()
        )  # queries 2-3
        self.goals = list(Goal.objects.filter(plan=plan).order_by("number"))  # 4
        self.subgoals = list(
            Subgoal.objects.filter(goal__plan=plan).order_by("goal__number", "position", "number")
        )  # 5
        self.indicators = list(
            Indicator.objects.filter(plan=plan)
            .prefetch_related(
                Prefetch(
                    "categories",
                    queryset=DisaggregationCategory.objects.order_by("position", "code"),
                )
            )
            .order_by("goal__number", "position", "code")
        )  # 6-7
        self.responsibilities = list(
            Responsibility.objects.filter(goal__plan=plan).select_related("organisation")
        )  # 8
        self.coordinating = set(
            PlanOrganisation.objects.filter(
                plan=plan,
                role__in=(PlanOrganisation.Role.COORDINATOR, PlanOrganisation.Role.CO_COORDINATOR),
            ).values_list("organisation_id", flat=True)
        )  # 9
        entries = (
            ProgressEntry.objects.filter(round__plan=plan, round__year__lte=self.year)
            .filter(status__in=self.statuses)
            .select_related("organisation", "round")
            .prefetch_related(
                Prefetch("values", queryset=ProgressValue.objects.order_by("category_id")),
                Prefetch("examples", queryset=Example.objects.order_by("position", "pk")),
                Prefetch("references", queryset=Reference.objects.order_by("position", "pk")),
            )
            .in_report_order()
        )  # 10-13
        self.all_entries = list(entries)
        self.narratives = []
        if self.final:
            narrative_statuses = (
                list(PlanNarrative.Status.values)
                if self.draft
                else [PlanNarrative.Status.APPROVED, PlanNarrative.Status.PUBLISHED]
            )
            self.narratives = list(
                PlanNarrative.objects.filter(plan=plan, status__in=narrative_statuses).order_by(
                    "position", "pk"
                )
            )  # final report only: one more query

    # -- building -------------------------------------------------------------------------

    def build(self) -> Report:
        self.read()
        plan = self.plan
        self.indicator_by_id = {i.pk: i for i in self.indicators}
        self.subgoals_by_goal = defaultdict(list)
        for subgoal in self.subgoals:
            self.subgoals_by_goal[subgoal.goal_id].append(subgoal)
        self.indicators_by_parent = defaultdict(list)
        for indicator in self.indicators:
            key = ("s", indicator.subgoal_id) if indicator.subgoal_id else ("g", indicator.goal_id)
            self.indicators_by_parent[key].append(indicator)
        for items in self.indicators_by_parent.values():
            items.sort(key=lambda i: (i.position, i.code))

        # Values of every included entry, for the previous years and the final series:
        # (organisation, indicator) -> year -> category id (None = total) -> value
        self.series = defaultdict(lambda: defaultdict(dict))
        for entry in self.all_entries:
            if entry.indicator_id:
                for value in entry.values.all():
                    self.series[(entry.organisation_id, entry.indicator_id)][entry.round.year][
                        value.category_id
                    ] = value.value

        # The final report's closing narratives, one per goal (the first by position).
        self.closing = {}
        for narrative in self.narratives:
            if narrative.kind == PlanNarrative.Kind.CLOSING:
                self.closing.setdefault(
                    narrative.goal_id, self._narrative(narrative, f"closing-{narrative.goal_id}")
                )

        current = [e for e in self.all_entries if e.round.year == self.year]
        reported = self.all_entries if self.final else current
        organisations = self._organisations(reported)

        if self.layout == "organisation":
            organisations_sections = []
            for organisation in organisations:
                placed = self._place(
                    [e for e in reported if e.organisation_id == organisation.pk],
                    [r for r in self.responsibilities if r.organisation_id == organisation.pk],
                    organisation.slug,
                )
                organisations_sections.append(
                    OrganisationSection(
                        anchor=f"org-{organisation.slug}",
                        name=self.text(organisation, "name"),
                        abbreviation=self.text(organisation, "abbreviation"),
                        goals=placed,
                    )
                )
            goals = []
        else:
            organisations_sections = []
            order = {o.pk: i for i, o in enumerate(organisations)}
            reported = sorted(
                reported,
                key=lambda e: (e.round.year, order.get(e.organisation_id, 0)),
            )
            responsibilities = [] if self.final else self.responsibilities
            responsibilities = sorted(
                responsibilities, key=lambda r: order.get(r.organisation_id, 0)
            )
            goals = self._place(reported, responsibilities, "all")

        with translation.override(self.language):
            plan_title = self.text(plan, "title")
            if self.final:
                title = _("Final report on %(plan)s %(first)s–%(last)s") % {
                    "plan": plan.short_name,
                    "first": plan.first_year,
                    "last": self.year,
                }
                subtitle = _("Progress over the plan period, per strategic goal")
                annex_title = _("Progress per strategic goal, %(first)s–%(last)s") % {
                    "first": plan.first_year,
                    "last": self.year,
                }
            else:
                title = _("Progress report on %(plan)s for the year %(year)s") % {
                    "plan": plan.short_name,
                    "year": self.year,
                }
                subtitle = (
                    _("Progress per organisation")
                    if self.layout == "organisation"
                    else _("Progress per strategic goal, across organisations")
                )
                annex_title = _(
                    "Annex 1: progress on the implementation of %(plan)s in %(year)s"
                ) % {
                    "plan": plan.short_name,
                    "year": self.year,
                }
            letter = None if self.final else self._letter()
            date = letter.date if letter else ""
            reference = letter.reference if letter else ""
        sections = [
            self._narrative(n, f"section-{n.pk}")
            for n in self.narratives
            if n.kind == PlanNarrative.Kind.SECTION
        ]
        report = Report(
            plan_slug=plan.slug,
            plan_short_name=plan.short_name,
            plan_title=plan_title,
            year=self.year,
            first_year=plan.first_year,
            language=self.language,
            layout=self.layout,
            draft=self.draft,
            final=self.final,
            title=title,
            subtitle=subtitle,
            annex_title=annex_title,
            date=date,
            reference=reference,
            letter=letter,
            organisations=organisations_sections,
            goals=goals,
            entry_count=len(reported),
            fingerprint="",
            sections=sections,
        )
        # Everything printed is in the tree, so its hash changes whenever the document would.
        report.fingerprint = hashlib.sha256(repr(asdict(report)).encode()).hexdigest()
        return report

    def _organisations(self, entries) -> list[Organisation]:
        """Everyone who reported or should have: coordinators first, then by name."""
        found = {}
        for entry in entries:
            found[entry.organisation_id] = entry.organisation
        if not self.final:
            for responsibility in self.responsibilities:
                found.setdefault(responsibility.organisation_id, responsibility.organisation)
        return sorted(
            found.values(),
            key=lambda o: (
                o.pk not in self.coordinating,
                localized(o, "name", self.language, self.plan.language).text.lower(),
            ),
        )

    def _place(self, entries, responsibilities, prefix) -> list[GoalView]:
        """Hang entries and the missing input on the framework, in the framework's order."""
        content = defaultdict(ScopeContent)
        for entry in entries:
            scope = (entry.goal_id, entry.subgoal_id, entry.indicator_id)
            content[scope].entries.append(self._entry(entry))
        if not self.final:
            delivered = {
                (e.organisation_id, e.goal_id, e.subgoal_id, e.indicator_id) for e in entries
            }
            for r in responsibilities:
                if (r.organisation_id, r.goal_id, r.subgoal_id, r.indicator_id) not in delivered:
                    content[(r.goal_id, r.subgoal_id, r.indicator_id)].missing.append(
                        self.text(r.organisation, "name")
                    )

        goals = []
        for goal in self.goals:
            indicators = self._indicators(("g", goal.pk), goal.pk, None, content, prefix)
            subgoals = []
            for subgoal in self.subgoals_by_goal[goal.pk]:
                sub_indicators = self._indicators(
                    ("s", subgoal.pk), goal.pk, subgoal.pk, content, prefix
                )
                sub_content = content.get((goal.pk, subgoal.pk, None), ScopeContent())
                if sub_content or sub_indicators:
                    subgoals.append(
                        SubgoalView(
                            anchor=f"{prefix}-subgoal-{subgoal.number}",
                            number=subgoal.number,
                            title=self.text(subgoal, "title"),
                            content=sub_content,
                            indicators=sub_indicators,
                        )
                    )
            goal_content = content.get((goal.pk, None, None), ScopeContent())
            closing = self.closing.get(goal.pk) if prefix == "all" else None
            if goal_content or indicators or subgoals or closing:
                goals.append(
                    GoalView(
                        anchor=f"{prefix}-goal-{goal.number}",
                        number=goal.number,
                        title=self.text(goal, "title"),
                        pillar=goal.pillar,
                        pillar_label=report_label(PILLAR_LABELS, goal.pillar)
                        if goal.pillar
                        else "",
                        content=goal_content,
                        indicators=indicators,
                        subgoals=subgoals,
                        closing=closing,
                    )
                )
        return goals

    def _narrative(self, narrative: PlanNarrative, anchor: str) -> NarrativeView:
        return NarrativeView(
            anchor=anchor,
            title=self.text(narrative, "title"),
            body=self.text(narrative, "body"),
            status=narrative.status,
            status_label=str(PlanNarrative.Status(narrative.status).label),
            is_draft=narrative.status == PlanNarrative.Status.DRAFT,
        )

    def _indicators(self, parent, goal_id, subgoal_id, content, prefix) -> list[IndicatorView]:
        views = []
        for indicator in self.indicators_by_parent[parent]:
            scope_content = content.get((goal_id, subgoal_id, indicator.pk))
            if not scope_content:
                continue
            views.append(
                IndicatorView(
                    anchor=f"{prefix}-indicator-{indicator.code}",
                    code=indicator.code,
                    text=self.text(indicator, "text"),
                    kind=indicator.kind,
                    kind_label=str(Indicator.Kind(indicator.kind).label),
                    is_quantitative=indicator.is_quantitative,
                    unit=self.text(indicator, "unit"),
                    baseline=self._baseline(indicator),
                    target=self._target(indicator),
                    content=scope_content,
                    series=self._final_series(indicator, scope_content) if self.final else None,
                )
            )
        return views

    def _baseline(self, indicator) -> str:
        if indicator.baseline is None:
            return ""
        value = _format_number(indicator.baseline, indicator.kind, indicator.currency)
        return f"{value} ({indicator.baseline_year})" if indicator.baseline_year else value

    def _target(self, indicator) -> str:
        if indicator.target is None:
            return ""
        value = _format_number(indicator.target, indicator.kind, indicator.currency)
        return f"{value} ({indicator.target_year})" if indicator.target_year else value

    def _value_table(self, indicator, organisation_id) -> ValueTable | None:
        by_year = self.series.get((organisation_id, indicator.pk))
        if not by_year:
            return None
        years = sorted(y for y in by_year if y <= self.year)
        if not years:
            return None
        used = {category for y in years for category in by_year[y]}
        rows = []
        if None in used:
            rows.append(
                ValueRow(
                    None,
                    [
                        _format_number(by_year[y].get(None), indicator.kind, indicator.currency)
                        for y in years
                    ],
                )
            )
        for category in indicator.categories.all():
            if category.pk in used:
                rows.append(
                    ValueRow(
                        self.text(category, "label"),
                        [
                            _format_number(
                                by_year[y].get(category.pk), indicator.kind, indicator.currency
                            )
                            for y in years
                        ],
                    )
                )
        return ValueTable(columns=[str(y) for y in years], rows=rows)

    def _final_series(self, indicator, content) -> ValueTable | None:
        """The totals of every organisation across the plan period, one row each."""
        if not indicator.is_quantitative:
            return None
        years = list(range(self.plan.first_year, self.year + 1))
        rows = []
        names = {e.organisation_id: e.organisation for e in content.entries}
        for organisation_id, name in names.items():
            by_year = self.series.get((organisation_id, indicator.pk), {})
            if not any(None in by_year.get(y, {}) for y in years):
                continue
            rows.append(
                ValueRow(
                    name,
                    [
                        _format_number(
                            by_year.get(y, {}).get(None), indicator.kind, indicator.currency
                        )
                        for y in years
                    ],
                )
            )
        if not rows:
            return None
        return ValueTable(columns=[str(y) for y in years], rows=rows)

    def _entry(self, entry: ProgressEntry) -> EntryView:
        indicator = self.indicator_by_id.get(entry.indicator_id)
        return EntryView(
            id=entry.pk,
            year=entry.round.year,
            organisation_id=entry.organisation_id,
            organisation=self.text(entry.organisation, "name"),
            status=entry.status,
            status_label=report_label(STATUS_LABELS, entry.status),
            is_draft=entry.status not in REPORTABLE,
            narrative=self.text(entry, "narrative"),
            not_reported=(
                report_label(NOT_REPORTED_LABELS, entry.not_reported) if entry.not_reported else ""
            ),
            not_reported_reason=self.text(entry, "not_reported_reason"),
            values=(
                self._value_table(indicator, entry.organisation_id)
                if indicator is not None and indicator.is_quantitative
                else None
            ),
            examples=[
                ExampleView(
                    title=self.text(example, "title"),
                    description=self.text(example, "description"),
                    country=str(countries.name(example.country)) if example.country else "",
                    partner=example.partner,
                    link=example.link,
                )
                for example in entry.examples.all()
            ],
            references=[
                ReferenceView(
                    kind=str(Reference.Kind(reference.kind).label),
                    citation=reference.citation,
                    title=reference.title,
                    url=reference.url,
                )
                for reference in entry.references.all()
            ],
        )

    def _letter(self) -> Letter | None:
        letter = self.letter
        if letter is None:
            return None
        return Letter(
            date=date_format(letter.date, "DATE_FORMAT") if letter.date else "",
            reference=letter.reference,
            sender=self.text(letter, "sender"),
            addressee=self.text(letter, "addressee"),
            subject=self.text(letter, "subject"),
            salutation=self.text(letter, "salutation"),
            body=self.text(letter, "body"),
            signatures=[
                Signature(title=self.text(s, "title"), name=s.name) for s in letter.signatures.all()
            ],
        )
