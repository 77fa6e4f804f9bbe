"""Progress import: long format, one row per progress entry and disaggregation category
(see docs/import-export.md).

Rows of the same entry (plan, year, organisation, goal, subgoal, indicator) repeat the entry's
status, texts and currency; they must agree. An entry's rows together give all its figures:
values in the database that the file no longer lists are removed. References and examples,
which the format does not carry, are left alone. The reporting round must already exist.
"""

from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.models import DisaggregationCategory, Goal, Indicator, Organisation, Plan, Subgoal
from reporting.models import ProgressEntry, ProgressValue, ReportingRound
from reporting.services import upsert_entry

from .cells import LANGUAGE_CODES, Cells, language_columns
from .importing import (
    ROW_ERRORS,
    ImportResult,
    outcome,
    rich_text_language,
    run_all_or_nothing,
    snapshot,
)
from .tabular import Table, read_table

COLUMNS = [
    "plan_slug",
    "year",
    "organisation",
    "goal",
    "subgoal",
    "indicator",
    "category",
    "value",
    "unit",
    "currency",
    "status",
    "not_reported",
    *language_columns("not_reported_reason"),
    *language_columns("narrative"),
]
LANGUAGE_COLUMNS = {*language_columns("not_reported_reason"), *language_columns("narrative")}
INFORMATIVE_COLUMNS = {"unit"}
REQUIRED_COLUMNS = [
    c for c in COLUMNS if c not in LANGUAGE_COLUMNS and c not in INFORMATIVE_COLUMNS
]
NUMERIC_COLUMNS = {"year", "goal", "value"}
# Columns that describe the entry as a whole and are repeated on each of its rows.
ENTRY_COLUMNS = [
    "currency",
    "status",
    "not_reported",
    *language_columns("not_reported_reason"),
    *language_columns("narrative"),
]
ENTRY_FIELD_COLUMNS = {
    "round": "year",
    "organisation": "organisation",
    "goal": "goal",
    "subgoal": "subgoal",
    "indicator": "indicator",
    "status": "status",
    "not_reported": "not_reported",
    "currency": "currency",
}


@dataclass
class Line:
    cells: Cells
    data: dict

    @property
    def entry_key(self) -> tuple:
        d = self.data
        return (d["plan"], d["year"], d["organisation"], d["goal"], d["subgoal"], d["indicator"])


@dataclass
class Group:
    lines: list[Line] = field(default_factory=list)

    @property
    def first(self) -> Line:
        return self.lines[0]


def import_progress(content: bytes, filename: str, *, dry_run: bool = False) -> ImportResult:
    """Import a progress file; writes nothing unless every row is valid (and not a dry run)."""
    read = read_table(content, filename, known_columns=COLUMNS, required_columns=REQUIRED_COLUMNS)
    if read.problems:
        return ImportResult(problems=read.problems, dry_run=dry_run)
    return ProgressImport(read.table, dry_run=dry_run).run()


class ProgressImport:
    def __init__(self, table: Table, *, dry_run: bool = False):
        self.table = table
        self.result = ImportResult(dry_run=dry_run)
        self.lines: list[Line] = []
        self.groups: dict[tuple, Group] = {}

    def run(self) -> ImportResult:
        self.parse()
        self.check_references()
        self.check_entries()
        return run_all_or_nothing(self.result, self.apply)

    # -- checking -------------------------------------------------------------------------

    def parse(self) -> None:
        for row in self.table.rows:
            cells = Cells(row, self.table.columns, self.result.problems)
            data = {
                "plan": cells.text("plan_slug", required=True),
                "year": cells.integer("year", required=True),
                "organisation": cells.text("organisation", required=True),
                "goal": cells.integer("goal", required=True),
                "subgoal": cells.text("subgoal"),
                "indicator": cells.text("indicator"),
                "category": cells.text("category"),
                "value": cells.decimal("value"),
                "currency": cells.text("currency").upper(),
                "status": cells.choice("status", ProgressEntry.Status.values),
                "not_reported": cells.choice("not_reported", ProgressEntry.NotReported.values),
            }
            if data["category"] and not data["indicator"]:
                cells.problem("category", _("A category needs an indicator."))
            if data["value"] is not None and not data["indicator"]:
                cells.problem(
                    "value",
                    _("Only an indicator takes a value; a goal or subgoal gets a narrative."),
                )
            if data["category"] and data["value"] is None and not cells.failed:
                cells.problem("value", _("A row with a category needs a value."))
            self.lines.append(Line(cells, data))

    def check_references(self) -> None:
        lines = [line for line in self.lines if not line.cells.failed]
        slugs = {line.data["plan"] for line in lines}
        plans = {plan.slug: plan for plan in Plan.objects.filter(slug__in=slugs)}
        rounds = {
            (r.plan.slug, r.year): r
            for r in ReportingRound.objects.filter(plan__slug__in=slugs).select_related("plan")
        }
        organisations = {
            o.slug: o
            for o in Organisation.objects.filter(
                slug__in={line.data["organisation"] for line in lines}
            )
        }
        goals = {
            (g.plan.slug, g.number): g
            for g in Goal.objects.filter(plan__slug__in=slugs).select_related("plan")
        }
        subgoals = {
            (s.goal.plan.slug, s.goal.number, s.number): s
            for s in Subgoal.objects.filter(goal__plan__slug__in=slugs).select_related("goal__plan")
        }
        indicators = {
            (i.plan.slug, i.code): i
            for i in Indicator.objects.filter(plan__slug__in=slugs).select_related(
                "plan", "goal", "subgoal"
            )
        }
        categories = {
            (c.indicator.plan.slug, c.indicator.code, c.code): c
            for c in DisaggregationCategory.objects.filter(
                indicator__plan__slug__in=slugs
            ).select_related("indicator__plan")
        }
        self.refs = {"rounds": rounds, "organisations": organisations, "goals": goals}
        self.refs.update(subgoals=subgoals, indicators=indicators, categories=categories)

        reported = set()
        for line in lines:
            cells, d = line.cells, line.data
            plan = plans.get(d["plan"])
            if plan is None:
                if ("plan", d["plan"]) not in reported:
                    reported.add(("plan", d["plan"]))
                    cells.problem("plan_slug", _("Unknown plan %(slug)s.") % {"slug": d["plan"]})
                cells.failed = True
                continue
            if (plan.slug, d["year"]) not in rounds:
                if ("round", plan.slug, d["year"]) not in reported:
                    reported.add(("round", plan.slug, d["year"]))
                    cells.problem(
                        "year",
                        _(
                            "There is no reporting round for plan %(plan)s and year %(year)s; "
                            "create the round first."
                        )
                        % {"plan": plan.slug, "year": d["year"]},
                    )
                cells.failed = True
            if d["organisation"] not in organisations:
                cells.problem(
                    "organisation",
                    _("Unknown organisation %(slug)s.") % {"slug": d["organisation"]},
                )
            if (plan.slug, d["goal"]) not in goals:
                cells.problem(
                    "goal",
                    _("Unknown goal %(goal)s in plan %(plan)s.")
                    % {"goal": d["goal"], "plan": plan.slug},
                )
                continue
            if d["subgoal"] and (plan.slug, d["goal"], d["subgoal"]) not in subgoals:
                cells.problem(
                    "subgoal",
                    _("Unknown subgoal %(subgoal)s of goal %(goal)s in plan %(plan)s.")
                    % {"subgoal": d["subgoal"], "goal": d["goal"], "plan": plan.slug},
                )
                continue
            if not d["indicator"]:
                continue
            indicator = indicators.get((plan.slug, d["indicator"]))
            if indicator is None:
                cells.problem(
                    "indicator",
                    _("Unknown indicator %(code)s in plan %(plan)s.")
                    % {"code": d["indicator"], "plan": plan.slug},
                )
                continue
            scope = (indicator.goal.number, indicator.subgoal.number if indicator.subgoal else "")
            if scope != (d["goal"], d["subgoal"]):
                cells.problem(
                    "indicator",
                    _(
                        "Indicator %(code)s belongs to goal %(goal)s%(subgoal)s; give that goal "
                        "and subgoal in this row."
                    )
                    % {
                        "code": indicator.code,
                        "goal": scope[0],
                        "subgoal": _(", subgoal %(s)s") % {"s": scope[1]} if scope[1] else "",
                    },
                )
                continue
            if d["category"] and (plan.slug, indicator.code, d["category"]) not in categories:
                cells.problem(
                    "category",
                    _("Unknown category %(category)s of indicator %(code)s.")
                    % {"category": d["category"], "code": indicator.code},
                )

    def check_entries(self) -> None:
        seen: dict[tuple, Line] = {}
        for line in self.lines:
            if line.cells.failed:
                continue
            group = self.groups.setdefault(line.entry_key, Group())
            key = (*line.entry_key, line.data["category"])
            first = seen.setdefault(key, line)
            if first is not line:
                line.cells.problem(
                    "category" if line.data["category"] else "indicator",
                    _("Duplicate row: the same entry and category as row %(row)s.")
                    % {"row": first.cells.number},
                )
            elif group.lines:
                head = group.first
                for column in ENTRY_COLUMNS:
                    if line.cells.row[column] != head.cells.row[column]:
                        line.cells.problem(
                            column,
                            _(
                                "Differs from row %(row)s of the same entry; repeat the same "
                                "value on every row of an entry."
                            )
                            % {"row": head.cells.number},
                        )
            group.lines.append(line)

    # -- writing --------------------------------------------------------------------------

    def apply(self) -> None:
        for group in self.groups.values():
            if any(line.cells.failed for line in group.lines):
                continue
            self.write_entry(group)

    def column_for(self, fieldname: str, plan_language: str) -> str | None:
        if fieldname in ENTRY_FIELD_COLUMNS:
            return ENTRY_FIELD_COLUMNS[fieldname]
        if fieldname in ("narrative", "not_reported_reason"):
            for code in dict.fromkeys([plan_language, *LANGUAGE_CODES]):
                if f"{fieldname}_{code}" in self.table.columns:
                    return f"{fieldname}_{code}"
            return f"{fieldname}_{plan_language}"
        return fieldname if fieldname in COLUMNS else None

    def entry_arguments(self, group: Group) -> dict:
        d, cells = group.first.data, group.first.cells
        refs = self.refs
        round_ = refs["rounds"][d["plan"], d["year"]]
        indicator = refs["indicators"].get((d["plan"], d["indicator"]))
        scope = {
            "round_": round_,
            "organisation": refs["organisations"][d["organisation"]],
            "goal": refs["goals"][d["plan"], d["goal"]],
            "subgoal": refs["subgoals"].get((d["plan"], d["goal"], d["subgoal"])),
            "indicator": indicator,
        }
        existing = ProgressEntry.objects.filter(
            round=round_,
            organisation=scope["organisation"],
            goal=scope["goal"],
            subgoal=scope["subgoal"],
            indicator=indicator,
        ).first()
        status = d["status"] or (existing.status if existing else ProgressEntry.Status.DRAFT)
        if existing and existing.status == status:
            published_at = existing.published_at
        elif status == ProgressEntry.Status.PUBLISHED:
            published_at = round_.published_at or timezone.now()
        else:
            published_at = None
        return {
            **scope,
            "status": status,
            "narrative": cells.texts("narrative", existing),
            "not_reported": d["not_reported"] or None,
            "not_reported_reason": cells.texts("not_reported_reason", existing),
            "currency": d["currency"],
            "values": [
                {"category": line.data["category"] or None, "value": line.data["value"]}
                for line in group.lines
                if line.data["value"] is not None
            ],
            "published_at": published_at,
        }, existing

    def write_entry(self, group: Group) -> None:
        cells = group.first.cells
        plan_language = self.refs["rounds"][
            group.first.data["plan"], group.first.data["year"]
        ].plan.language
        try:
            with transaction.atomic():
                arguments, existing = self.entry_arguments(group)
                before = entry_snapshot(existing)
                with rich_text_language(cells.final_texts("narrative", existing)):
                    entry = upsert_entry(**arguments)
                after = entry_snapshot(entry)
        except ValidationError as exc:
            self.diagnose(group, exc, plan_language)
            return
        except ROW_ERRORS as exc:
            cells.problem(None, _("Could not be saved: %(error)s") % {"error": exc})
            return
        self.result.count("entry", outcome(before, after))

    def diagnose(self, group: Group, error: ValidationError, plan_language: str) -> None:
        """Find the row behind a validation error: the entry's own fields, or one value."""
        first = group.first.cells
        with transaction.atomic():
            arguments, existing = self.entry_arguments(group)
            try:
                with rich_text_language(first.final_texts("narrative", existing)):
                    entry = upsert_entry(**{**arguments, "values": ()})
            except ValidationError as exc:
                first.validation_error(exc, lambda f: self.column_for(f, plan_language))
                transaction.set_rollback(True)
                return
            found = False
            for line in group.lines:
                if line.data["value"] is None:
                    continue
                category = None
                if line.data["category"]:
                    category = self.refs["categories"][
                        line.data["plan"], line.data["indicator"], line.data["category"]
                    ]
                value = ProgressValue(entry=entry, category=category, value=line.data["value"])
                try:
                    value.full_clean(exclude=["entry"])
                except ValidationError as exc:
                    found = True
                    line.cells.validation_error(
                        exc, lambda f: "value" if f in ("value", NON_FIELD_ERRORS) else "category"
                    )
            transaction.set_rollback(True)
        if not found:
            first.validation_error(error, lambda f: self.column_for(f, plan_language))


def entry_snapshot(entry: ProgressEntry | None) -> dict | None:
    data = snapshot(entry)
    if data is None:
        return None
    data.pop("updated_at", None)
    data["values"] = sorted(
        (category or 0, value)
        for category, value in ProgressValue.objects.filter(entry=entry).values_list(
            "category_id", "value"
        )
    )
    return data
