"""Plan import: one sheet with a row per plan, organisation, goal, subgoal, indicator,
disaggregation category and responsibility (see docs/import-export.md).

Every row is checked first (values, choices, references, duplicates); then all rows are written
through the idempotent services in one transaction, each row in a savepoint so that the models'
own validation is reported against its row. The transaction is kept only when no row had a
problem: a file is imported completely or not at all.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

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
from indicators.services import (
    ensure_responsibility,
    set_plan_role,
    upsert_category,
    upsert_goal,
    upsert_indicator,
    upsert_organisation,
    upsert_plan,
    upsert_subgoal,
)

from .cells import LANGUAGE_CODES, Cells, language_columns
from .importing import (
    ImportResult,
    outcome,
    rich_text_language,
    run_all_or_nothing,
    snapshot,
    write_row,
)
from .tabular import Table, read_table

TYPES = ("plan", "organisation", "goal", "subgoal", "indicator", "category", "responsibility")

COLUMNS = [
    "type",
    "plan_slug",
    "organisation",
    "goal",
    "subgoal",
    "indicator",
    "category",
    "position",
    *language_columns("title"),
    *language_columns("text"),
    *language_columns("label"),
    *language_columns("name"),
    *language_columns("abbreviation"),
    "kind",
    "role",
    "pillar",
    *language_columns("unit"),
    "currency",
    "baseline",
    "baseline_year",
    "target",
    "target_year",
    "country",
    "edition",
    "short_name",
    "first_year",
    "last_year",
    "language",
    "status",
    "website",
    *language_columns("description"),
]
LANGUAGE_COLUMNS = {
    column
    for fieldname in ("title", "text", "label", "name", "abbreviation", "unit", "description")
    for column in language_columns(fieldname)
}
REQUIRED_COLUMNS = [c for c in COLUMNS if c not in LANGUAGE_COLUMNS and c != "position"]
NUMERIC_COLUMNS = {
    "goal",
    "position",
    "baseline",
    "baseline_year",
    "target",
    "target_year",
    "edition",
    "first_year",
    "last_year",
}

# The translated fields each row type carries, and the columns a row of each type may fill.
TRANSLATED = {
    "plan": ("title", "description"),
    "organisation": ("name", "abbreviation"),
    "goal": ("title", "description"),
    "subgoal": ("title",),
    "indicator": ("text", "unit"),
    "category": ("label",),
    "responsibility": (),
}
PLAIN = {
    "plan": (
        "country",
        "edition",
        "short_name",
        "first_year",
        "last_year",
        "language",
        "status",
    ),
    "organisation": ("organisation", "kind", "role", "country", "website"),
    "goal": ("goal", "pillar"),
    "subgoal": ("goal", "subgoal", "position"),
    "indicator": (
        "goal",
        "subgoal",
        "indicator",
        "position",
        "kind",
        "currency",
        "baseline",
        "baseline_year",
        "target",
        "target_year",
    ),
    "category": ("indicator", "category", "position"),
    "responsibility": ("organisation", "goal", "subgoal", "indicator"),
}
USED = {
    kind: {
        "type",
        "plan_slug",
        *PLAIN[kind],
        *(c for f in TRANSLATED[kind] for c in language_columns(f)),
    }
    for kind in TYPES
}
# Model fields whose column has another name; other fields map to the column of the same name.
FIELD_COLUMNS = {
    "plan": {"slug": "plan_slug"},
    "organisation": {"slug": "organisation", "plan": "plan_slug"},
    "goal": {"number": "goal", "plan": "plan_slug"},
    "subgoal": {"number": "subgoal"},
    "indicator": {"code": "indicator", "plan": "plan_slug"},
    "category": {"code": "category"},
    "responsibility": {},
}
# Organisation attributes that must agree when one organisation is listed for several plans.
ORGANISATION_COLUMNS = (
    "kind",
    "country",
    "website",
    *language_columns("name"),
    *language_columns("abbreviation"),
)


@dataclass
class Item:
    cells: Cells
    type: str
    plan: str
    data: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        d = self.data
        return {
            "plan": ("plan", self.plan),
            "organisation": ("organisation", self.plan, d.get("organisation")),
            "goal": ("goal", self.plan, d.get("goal")),
            "subgoal": ("subgoal", self.plan, d.get("goal"), d.get("subgoal")),
            "indicator": ("indicator", self.plan, d.get("indicator")),
            "category": ("category", self.plan, d.get("indicator"), d.get("category")),
            "responsibility": (
                "responsibility",
                self.plan,
                d.get("organisation"),
                d.get("goal"),
                d.get("subgoal"),
                d.get("indicator"),
            ),
        }[self.type]

    @property
    def dependencies(self) -> list[tuple]:
        d = self.data
        deps = [("plan", self.plan)]
        if self.type in ("subgoal", "indicator", "responsibility"):
            deps.append(("goal", self.plan, d["goal"]))
        if self.type in ("indicator", "responsibility") and d.get("subgoal"):
            deps.append(("subgoal", self.plan, d["goal"], d["subgoal"]))
        if self.type == "category" or (self.type == "responsibility" and d.get("indicator")):
            deps.append(("indicator", self.plan, d["indicator"]))
        if self.type == "responsibility":
            deps.append(("organisation_any", d["organisation"]))
        return deps


def import_plan(content: bytes, filename: str, *, dry_run: bool = False) -> ImportResult:
    """Import a plan file; writes nothing unless every row is valid (and not a dry run)."""
    read = read_table(content, filename, known_columns=COLUMNS, required_columns=REQUIRED_COLUMNS)
    if read.problems:
        return ImportResult(problems=read.problems, dry_run=dry_run)
    return PlanImport(read.table, dry_run=dry_run).run()


class PlanImport:
    def __init__(self, table: Table, *, dry_run: bool = False):
        self.table = table
        self.result = ImportResult(dry_run=dry_run)
        self.items: list[Item] = []
        self.failed: set[tuple] = set()
        self.plans: dict[str, Plan] = {}
        self.organisations: dict[str, Organisation] = {}
        self.goals: dict[tuple, Goal] = {}
        self.subgoals: dict[tuple, Subgoal] = {}
        self.indicators: dict[tuple, Indicator] = {}

    def run(self) -> ImportResult:
        self.parse()
        self.check_duplicates()
        self.check_references()
        for item in self.items:
            if item.cells.failed:
                self.fail(item)
        return run_all_or_nothing(self.result, self.apply)

    def fail(self, item: Item) -> None:
        self.failed.add(item.key)
        if item.type == "organisation":
            self.failed.add(("organisation_any", item.data.get("organisation")))

    # -- checking -------------------------------------------------------------------------

    def parse(self) -> None:
        positions: Counter = Counter()
        for row in self.table.rows:
            cells = Cells(row, self.table.columns, self.result.problems)
            kind = cells.choice("type", TYPES, required=True)
            plan = cells.text("plan_slug", required=True)
            if not kind or not plan:
                continue
            cells.only(USED[kind], kind)
            item = Item(cells, kind, plan, getattr(self, f"parse_{kind}")(cells))
            parent = {
                "subgoal": ("subgoal", plan, item.data.get("goal")),
                "indicator": ("indicator", plan, item.data.get("goal"), item.data.get("subgoal")),
                "category": ("category", plan, item.data.get("indicator")),
            }.get(kind)
            if parent:
                if item.data["position"] is None:
                    item.data["position"] = positions[parent]
                positions[parent] += 1
            self.items.append(item)

    def parse_plan(self, cells: Cells) -> dict:
        return {
            "country": cells.text("country", required=True).upper(),
            "edition": cells.integer("edition", required=True),
            "short_name": cells.text("short_name", required=True),
            "first_year": cells.integer("first_year", required=True),
            "last_year": cells.integer("last_year", required=True),
            "language": cells.choice("language", LANGUAGE_CODES, required=True),
            "status": cells.choice("status", Plan.Status.values),
        }

    def parse_organisation(self, cells: Cells) -> dict:
        return {
            "organisation": cells.text("organisation", required=True),
            "kind": cells.choice("kind", Organisation.Kind.values, required=True),
            "role": cells.choice("role", PlanOrganisation.Role.values),
            "country": cells.text("country").upper(),
            "website": cells.text("website"),
        }

    def parse_goal(self, cells: Cells) -> dict:
        return {
            "goal": cells.integer("goal", required=True),
            "pillar": cells.choice("pillar", Pillar.values),
        }

    def parse_subgoal(self, cells: Cells) -> dict:
        return {
            "goal": cells.integer("goal", required=True),
            "subgoal": cells.text("subgoal", required=True),
            "position": cells.integer("position"),
        }

    def parse_indicator(self, cells: Cells) -> dict:
        return {
            "goal": cells.integer("goal", required=True),
            "subgoal": cells.text("subgoal"),
            "indicator": cells.text("indicator", required=True),
            "position": cells.integer("position"),
            "kind": cells.choice("kind", Indicator.Kind.values, required=True),
            "currency": cells.text("currency").upper(),
            "baseline": cells.decimal("baseline"),
            "baseline_year": cells.integer("baseline_year"),
            "target": cells.decimal("target"),
            "target_year": cells.integer("target_year"),
        }

    def parse_category(self, cells: Cells) -> dict:
        return {
            "indicator": cells.text("indicator", required=True),
            "category": cells.text("category", required=True),
            "position": cells.integer("position"),
        }

    def parse_responsibility(self, cells: Cells) -> dict:
        return {
            "organisation": cells.text("organisation", required=True),
            "goal": cells.integer("goal", required=True),
            "subgoal": cells.text("subgoal"),
            "indicator": cells.text("indicator"),
        }

    def check_duplicates(self) -> None:
        seen: dict[tuple, Item] = {}
        organisations: dict[str, Item] = {}
        key_column = {
            "plan": "plan_slug",
            "organisation": "organisation",
            "goal": "goal",
            "subgoal": "subgoal",
            "indicator": "indicator",
            "category": "category",
            "responsibility": "organisation",
        }
        for item in self.items:
            if item.cells.failed:
                continue
            first = seen.setdefault(item.key, item)
            if first is not item:
                item.cells.problem(
                    key_column[item.type],
                    _("Duplicate row: the same %(type)s as row %(row)s.")
                    % {"type": item.type, "row": first.cells.number},
                )
            if item.type == "organisation":
                other = organisations.setdefault(item.data["organisation"], item)
                for column in ORGANISATION_COLUMNS:
                    if other.cells.row[column] != item.cells.row[column]:
                        item.cells.problem(
                            column,
                            _(
                                "Organisation %(slug)s is described differently in row %(row)s; "
                                "an organisation is shared by all plans, so its rows must agree."
                            )
                            % {"slug": item.data["organisation"], "row": other.cells.number},
                        )
                        break

    def check_references(self) -> None:
        slugs = {item.plan for item in self.items}
        db_plans = set(Plan.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        db_goals = set(
            Goal.objects.filter(plan__slug__in=slugs).values_list("plan__slug", "number")
        )
        db_subgoals = set(
            Subgoal.objects.filter(goal__plan__slug__in=slugs).values_list(
                "goal__plan__slug", "goal__number", "number"
            )
        )
        db_indicators = {
            (slug, code): (goal, subgoal or "")
            for slug, code, goal, subgoal in Indicator.objects.filter(
                plan__slug__in=slugs
            ).values_list("plan__slug", "code", "goal__number", "subgoal__number")
        }
        referenced = {
            item.data.get("organisation") for item in self.items if item.type == "responsibility"
        }
        db_organisations = set(
            Organisation.objects.filter(slug__in=referenced).values_list("slug", flat=True)
        )

        by_type: dict[str, dict] = {kind: {} for kind in TYPES}
        for item in self.items:
            by_type[item.type].setdefault(item.key, item)
        file_plans = {key[1] for key in by_type["plan"]}
        file_goals = {key[1:] for key in by_type["goal"]}
        file_subgoals = {key[1:] for key in by_type["subgoal"]}
        file_organisations = {key[2] for key in by_type["organisation"]}
        file_indicators = {
            key[1:]: (item.data["goal"], item.data["subgoal"])
            for key, item in by_type["indicator"].items()
        }

        known_goals = file_goals | db_goals
        known_subgoals = file_subgoals | db_subgoals
        reported_plans = set()
        for item in self.items:
            cells, d, plan = item.cells, item.data, item.plan
            if plan not in file_plans and plan not in db_plans:
                if plan not in reported_plans:
                    reported_plans.add(plan)
                    cells.problem(
                        "plan_slug",
                        _(
                            "Unknown plan %(slug)s: add a row of type plan, or use the slug of "
                            "an existing plan."
                        )
                        % {"slug": plan},
                    )
                self.failed.add(("plan", plan))
                continue
            if cells.failed:
                continue
            if item.type in ("subgoal", "indicator", "responsibility") and (
                (plan, d["goal"]) not in known_goals
            ):
                cells.problem(
                    "goal",
                    _("Unknown goal %(goal)s in plan %(plan)s.")
                    % {"goal": d["goal"], "plan": plan},
                )
                continue
            if (
                item.type in ("indicator", "responsibility")
                and d.get("subgoal")
                and (plan, d["goal"], d["subgoal"]) not in known_subgoals
            ):
                cells.problem(
                    "subgoal",
                    _("Unknown subgoal %(subgoal)s of goal %(goal)s in plan %(plan)s.")
                    % {"subgoal": d["subgoal"], "goal": d["goal"], "plan": plan},
                )
                continue
            if item.type == "category" or (item.type == "responsibility" and d.get("indicator")):
                scope = file_indicators.get((plan, d["indicator"])) or db_indicators.get(
                    (plan, d["indicator"])
                )
                if scope is None:
                    cells.problem(
                        "indicator",
                        _("Unknown indicator %(code)s in plan %(plan)s.")
                        % {"code": d["indicator"], "plan": plan},
                    )
                    continue
                if item.type == "responsibility" and scope != (d["goal"], d["subgoal"]):
                    cells.problem(
                        "indicator",
                        _(
                            "Indicator %(code)s belongs to goal %(goal)s%(subgoal)s; give that "
                            "goal and subgoal in this row."
                        )
                        % {
                            "code": d["indicator"],
                            "goal": scope[0],
                            "subgoal": _(", subgoal %(s)s") % {"s": scope[1]} if scope[1] else "",
                        },
                    )
            if item.type == "responsibility":
                slug = d["organisation"]
                if slug not in file_organisations and slug not in db_organisations:
                    cells.problem(
                        "organisation",
                        _(
                            "Unknown organisation %(slug)s: add a row of type organisation, or "
                            "use the slug of an existing organisation."
                        )
                        % {"slug": slug},
                    )

    # -- writing --------------------------------------------------------------------------

    def apply(self) -> None:
        for kind in TYPES:
            for item in self.items:
                if item.type != kind or item.cells.failed:
                    continue
                if any(dep in self.failed for dep in item.dependencies):
                    continue  # the row it depends on has its own problem
                ok = write_row(
                    item.cells,
                    lambda field, item=item: self.column_for(item, field),
                    lambda item=item: getattr(self, f"write_{item.type}")(item),
                )
                if not ok:
                    self.fail(item)

    def column_for(self, item: Item, fieldname: str) -> str | None:
        mapping = FIELD_COLUMNS[item.type]
        if fieldname in mapping:
            return mapping[fieldname]
        if fieldname in TRANSLATED[item.type]:
            plan = self.plans.get(item.plan)
            preferred = [plan.language if plan else item.data.get("language")]
            for code in dict.fromkeys([*preferred, *LANGUAGE_CODES]):
                if code and f"{fieldname}_{code}" in self.table.columns:
                    return f"{fieldname}_{code}"
            return f"{fieldname}_{LANGUAGE_CODES[0]}"
        if fieldname in COLUMNS:
            return fieldname
        return None

    def plan_for(self, slug: str) -> Plan:
        if slug not in self.plans:
            self.plans[slug] = Plan.objects.get(slug=slug)
        return self.plans[slug]

    def organisation_for(self, slug: str) -> Organisation:
        if slug not in self.organisations:
            self.organisations[slug] = Organisation.objects.get(slug=slug)
        return self.organisations[slug]

    def goal_for(self, plan: str, number: int) -> Goal:
        key = (plan, number)
        if key not in self.goals:
            self.goals[key] = Goal.objects.get(plan=self.plan_for(plan), number=number)
        return self.goals[key]

    def subgoal_for(self, plan: str, goal: int, number: str) -> Subgoal | None:
        if not number:
            return None
        key = (plan, goal, number)
        if key not in self.subgoals:
            self.subgoals[key] = Subgoal.objects.get(goal=self.goal_for(plan, goal), number=number)
        return self.subgoals[key]

    def indicator_for(self, plan: str, code: str) -> Indicator | None:
        if not code:
            return None
        key = (plan, code)
        if key not in self.indicators:
            self.indicators[key] = Indicator.objects.get(plan=self.plan_for(plan), code=code)
        return self.indicators[key]

    def write_plan(self, item: Item) -> None:
        cells = item.cells
        existing = Plan.objects.filter(slug=item.plan).first()
        with rich_text_language(cells.final_texts("description", existing)):
            plan = self._upsert_plan(item, existing)
        self.plans[item.plan] = plan
        self.result.count("plan", outcome(snapshot(existing), snapshot(plan)))

    def _upsert_plan(self, item: Item, existing: Plan | None) -> Plan:
        d, cells = item.data, item.cells
        return upsert_plan(
            slug=item.plan,
            country=d["country"],
            edition=d["edition"],
            short_name=d["short_name"],
            title=cells.texts("title", existing),
            first_year=d["first_year"],
            last_year=d["last_year"],
            language=d["language"],
            status=d["status"] or (existing.status if existing else Plan.Status.DRAFT),
            description=cells.texts("description", existing),
        )

    def write_organisation(self, item: Item) -> None:
        d, cells = item.data, item.cells
        plan = self.plan_for(item.plan)
        existing = Organisation.objects.filter(slug=d["organisation"]).first()
        role_before = (
            PlanOrganisation.objects.filter(plan=plan, organisation=existing)
            .values_list("role", flat=True)
            .first()
            if existing
            else None
        )
        organisation = upsert_organisation(
            slug=d["organisation"],
            kind=d["kind"],
            name=cells.texts("name", existing),
            abbreviation=cells.texts("abbreviation", existing),
            country=d["country"],
            website=d["website"],
        )
        set_plan_role(plan=plan, organisation=organisation, role=d["role"] or None)
        self.organisations[organisation.slug] = organisation
        before = snapshot(existing)
        if before is not None:
            before["role"] = role_before
        after = {**snapshot(organisation), "role": d["role"] or None}
        self.result.count("organisation", outcome(before, after))

    def write_goal(self, item: Item) -> None:
        d, cells = item.data, item.cells
        plan = self.plan_for(item.plan)
        existing = Goal.objects.filter(plan=plan, number=d["goal"]).first()
        with rich_text_language(cells.final_texts("description", existing)):
            goal = upsert_goal(
                plan=plan,
                number=d["goal"],
                title=cells.texts("title", existing),
                pillar=d["pillar"],
                description=cells.texts("description", existing),
            )
        self.goals[item.plan, goal.number] = goal
        self.result.count("goal", outcome(snapshot(existing), snapshot(goal)))

    def write_subgoal(self, item: Item) -> None:
        d, cells = item.data, item.cells
        goal = self.goal_for(item.plan, d["goal"])
        existing = Subgoal.objects.filter(goal=goal, number=d["subgoal"]).first()
        subgoal = upsert_subgoal(
            goal=goal,
            number=d["subgoal"],
            title=cells.texts("title", existing),
            position=d["position"],
        )
        self.subgoals[item.plan, d["goal"], subgoal.number] = subgoal
        self.result.count("subgoal", outcome(snapshot(existing), snapshot(subgoal)))

    def write_indicator(self, item: Item) -> None:
        d, cells = item.data, item.cells
        goal = self.goal_for(item.plan, d["goal"])
        existing = Indicator.objects.filter(plan=goal.plan, code=d["indicator"]).first()
        indicator = upsert_indicator(
            goal=goal,
            subgoal=self.subgoal_for(item.plan, d["goal"], d["subgoal"]),
            code=d["indicator"],
            kind=d["kind"],
            text=cells.texts("text", existing),
            unit=cells.texts("unit", existing),
            currency=d["currency"],
            baseline=d["baseline"],
            baseline_year=d["baseline_year"],
            target=d["target"],
            target_year=d["target_year"],
            position=d["position"],
        )
        self.indicators[item.plan, indicator.code] = indicator
        self.result.count("indicator", outcome(snapshot(existing), snapshot(indicator)))

    def write_category(self, item: Item) -> None:
        d, cells = item.data, item.cells
        indicator = self.indicator_for(item.plan, d["indicator"])
        existing = DisaggregationCategory.objects.filter(
            indicator=indicator, code=d["category"]
        ).first()
        category = upsert_category(
            indicator=indicator,
            code=d["category"],
            label=cells.texts("label", existing),
            position=d["position"],
        )
        self.result.count("category", outcome(snapshot(existing), snapshot(category)))

    def write_responsibility(self, item: Item) -> None:
        d = item.data
        scope = {
            "organisation": self.organisation_for(d["organisation"]),
            "goal": self.goal_for(item.plan, d["goal"]),
            "subgoal": self.subgoal_for(item.plan, d["goal"], d["subgoal"]),
            "indicator": self.indicator_for(item.plan, d["indicator"]),
        }
        existed = Responsibility.objects.filter(**scope).exists()
        ensure_responsibility(**scope)
        self.result.count("responsibility", "unchanged" if existed else "created")
