"""Synthetic plans and progress at any scale, reproducible from a seed.

`generate(Params(...))` writes plans shaped like the Dutch demo plan (a coordinating ministry
reporting on most indicators, a few other ministries on goals and subgoals, dozens of civil-society
signatories), one reporting round per year with entries in every workflow status, numeric series
for the quantitative indicators, examples, references, transitions and history records.

Rows are written with bulk_create in one transaction, so 100x the demo takes seconds.
bulk_create still goes through each field's `get_prep_value`, so rich text is sanitised like any
other save; translated texts are written to their language columns (`narrative_nl`, ...).
One random.Random(seed) drives every choice and no choice depends on database ids, so the same
seed gives the same data (apart from primary keys).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import math
import random
import string
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import translation
from django_countries.data import COUNTRIES

from accounts.models import Membership, User
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
from indicators.numerals import to_roman
from reporting.models import (
    EntryComment,
    EntryTransition,
    Example,
    ProgressEntry,
    ProgressValue,
    Reference,
    ReportingRound,
)

from . import texts

Status = ProgressEntry.Status
State = ReportingRound.State
Kind = Indicator.Kind

# Share of entries per status, by the state of their round. A published round still holds the
# entries that were not approved in time (publishing only publishes approved entries).
STATUS_MIX = {
    State.PUBLISHED: [
        (Status.PUBLISHED, 92),
        (Status.SUBMITTED, 3),
        (Status.RETURNED, 3),
        (Status.DRAFT, 2),
    ],
    State.CLOSED: [(Status.APPROVED, 70), (Status.SUBMITTED, 20), (Status.RETURNED, 10)],
    State.OPEN: [
        (Status.DRAFT, 35),
        (Status.SUBMITTED, 25),
        (Status.RETURNED, 10),
        (Status.APPROVED, 30),
    ],
}
# The steps an entry went through to reach its status.
STEPS = {
    Status.DRAFT: [Status.DRAFT],
    Status.SUBMITTED: [Status.DRAFT, Status.SUBMITTED],
    Status.RETURNED: [Status.DRAFT, Status.SUBMITTED, Status.RETURNED],
    Status.APPROVED: [Status.DRAFT, Status.SUBMITTED, Status.APPROVED],
    Status.PUBLISHED: [Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.PUBLISHED],
}
KIND_WEIGHTS = [(Kind.COUNT, 45), (Kind.PERCENTAGE, 15), (Kind.AMOUNT, 10), (Kind.QUALITATIVE, 30)]
LANGUAGE_WEIGHTS = [("en", 50), ("fr", 25), ("nl", 25)]
RETURN_COMMENT = "Please add this year's figures and name the partner organisations."
PASSWORD_UNUSABLE = "!synthetic"  # "!" marks an unusable password; no login for these users.


@dataclasses.dataclass(frozen=True)
class Params:
    plans: int = 1
    years: int = 3
    organisations: int = 20
    indicators: int = 40
    seed: int = 1
    first_year: int = 2021

    def __post_init__(self):
        for name in ("plans", "years", "organisations", "indicators"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be 1 or more")
        if self.organisations < 2:
            raise ValueError("organisations must be 2 or more (a coordinator and a signatory)")


def plan_slugs(params: Params) -> list[str]:
    return [f"syn-s{params.seed}-{index + 1:04d}" for index in range(params.plans)]


def weighted(rng: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def letters(index: int) -> str:
    """a, b, ..., z, aa, ab, ...: indicator codes as in the plans."""
    alphabet = string.ascii_lowercase
    code = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        code = alphabet[rest] + code
    return code


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


@contextlib.contextmanager
def own_timestamps(*models):
    """Let bulk_create keep the moments the story sets instead of "now" (auto_now fields)."""
    fields = [
        field
        for model in models
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def generate(params: Params, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Write the synthetic data; returns the number of rows per kind."""
    existing = Plan.objects.filter(slug__in=plan_slugs(params)).values_list("slug", flat=True)
    if existing:
        raise ValueError(
            f"Seed {params.seed} was generated before (plan {existing[0]}); "
            "use another seed or a fresh database."
        )
    rng = random.Random(params.seed)
    codes = sorted(code for code in COUNTRIES if code != "NL")
    countries = rng.sample(codes, min(params.plans, len(codes)))
    counts: dict[str, int] = {}
    # The untranslated base columns follow the active language; fix it so runs are identical.
    # All or nothing, so a failed run leaves no half-generated seed behind.
    with translation.override("en"), transaction.atomic():
        for index, slug in enumerate(plan_slugs(params)):
            country = countries[index % len(countries)]
            written = PlanBuilder(params, rng, index, slug, country).build()
            for name, number in written.items():
                counts[name] = counts.get(name, 0) + number
            if progress and (index + 1) % 10 == 0:
                progress(f"{index + 1}/{params.plans} plans")
    return counts


class PlanBuilder:
    def __init__(self, params: Params, rng: random.Random, index: int, slug: str, country: str):
        self.p = params
        self.rng = rng
        self.index = index
        self.slug = slug
        self.country = country
        self.country_name = str(COUNTRIES[country])
        self.language = weighted(rng, LANGUAGE_WEIGHTS)
        self.counts: dict[str, int] = {}

    # --- helpers ---------------------------------------------------------------------------
    def bulk(self, model, objects: list, name: str | None = None) -> list:
        created = model.objects.bulk_create(objects, batch_size=500)
        key = name or model._meta.model_name
        self.counts[key] = self.counts.get(key, 0) + len(created)
        return created

    def translated(self, field: str, by_language: dict[str, str], also_english=True) -> dict:
        """The text in the plan's language, and in English where the demo has English too."""
        values = {f"{field}_{self.language}": by_language[self.language]}
        if also_english and self.language != "en":
            values[f"{field}_en"] = by_language["en"]
        return values

    def topic(self) -> dict[str, str]:
        position = self.rng.randrange(len(texts.TOPICS["en"]))
        return {language: topics[position] for language, topics in texts.TOPICS.items()}

    # --- the plan --------------------------------------------------------------------------
    def build(self) -> dict[str, int]:
        self.build_plan()
        self.build_organisations()
        self.build_framework()
        self.build_responsibilities()
        self.build_rounds()
        return self.counts

    def build_plan(self) -> None:
        rng, p = self.rng, self.p
        edition = rng.randint(1, 5)
        period = max(p.years, rng.choice([4, 5]))
        title = {
            "nl": f"Nationaal Actieplan 1325-{to_roman(edition)} ({self.country_name})",
            "en": f"National Action Plan 1325-{to_roman(edition)} ({self.country_name})",
            "fr": f"Plan d'action national 1325-{to_roman(edition)} ({self.country_name})",
        }
        self.plan = Plan(
            slug=self.slug,
            country=self.country,
            edition=edition,
            short_name=f"NAP1325-{to_roman(edition)}",
            first_year=p.first_year,
            last_year=p.first_year + period - 1,
            language=self.language,
            status=Plan.Status.ACTIVE,
            **self.translated("title", title),
            **{
                f"description_{self.language}": texts.narrative_html(
                    rng, self.language, 600, self.country_name, p.first_year
                )
            },
        )
        self.bulk(Plan, [self.plan])

    def build_organisations(self) -> None:
        rng, p = self.rng, self.p
        reporters = max(1, min(8, round(p.organisations * 0.2)))
        organisations, roles = [], []
        for number in range(p.organisations):
            slug = f"{self.slug}-org-{number + 1:03d}"
            if number < reporters:
                department = {
                    language: names[number % len(names)]
                    + (f" {number // len(names) + 1}" if number >= len(names) else "")
                    for language, names in texts.MINISTRIES.items()
                }
                name = {
                    language: texts.MINISTRY_NAME[language].format(department[language])
                    for language in department
                }
                kind = Organisation.Kind.MINISTRY if number < 5 else Organisation.Kind.AGENCY
                abbreviation = "".join(word[0] for word in department["en"].split()).upper()
            else:
                words = rng.sample(texts.CSO_WORDS, 2)
                label = f"{words[0]} {words[1]} {self.country_name}"
                name = dict.fromkeys(texts.TOPICS, label)
                kind = Organisation.Kind.CIVIL_SOCIETY
                abbreviation = f"{words[0][0]}{words[1][0]}{number}"
            organisations.append(
                Organisation(
                    slug=slug,
                    kind=kind,
                    country=self.country,
                    website=f"https://{slug}.example.org/",
                    **self.translated("name", name),
                    **self.translated("abbreviation", dict.fromkeys(texts.TOPICS, abbreviation)),
                )
            )
            if number == 0:
                roles.append(PlanOrganisation.Role.COORDINATOR)
            elif number == reporters:
                roles.append(PlanOrganisation.Role.CO_COORDINATOR)
            elif number < reporters or rng.random() < 0.85:
                roles.append(PlanOrganisation.Role.SIGNATORY)
            else:
                roles.append(None)  # works on the plan's themes without signing it
        self.organisations = self.bulk(Organisation, organisations)
        self.reporters = self.organisations[:reporters]
        self.bulk(
            PlanOrganisation,
            [
                PlanOrganisation(plan=self.plan, organisation=organisation, role=role)
                for organisation, role in zip(self.organisations, roles, strict=True)
                if role
            ],
        )
        self.build_users(roles)

    def build_users(self, roles) -> None:
        users, memberships = [], []
        for organisation, role in zip(self.organisations, roles, strict=True):
            if organisation in self.reporters:
                wanted = [Membership.Role.FOCAL_POINT, Membership.Role.EDITOR]
            else:
                wanted = []
            if role == PlanOrganisation.Role.COORDINATOR:
                wanted.append(Membership.Role.COORDINATOR)
            for member_role in wanted:
                username = f"{organisation.slug}-{member_role}"
                users.append(
                    User(
                        username=username,
                        email=f"{username}@example.org",
                        password=PASSWORD_UNUSABLE,
                        first_name=member_role.replace("_", " ").title(),
                    )
                )
                memberships.append((organisation, member_role))
        users = self.bulk(User, users)
        self.bulk(
            Membership,
            [
                Membership(user=user, organisation=organisation, role=role)
                for user, (organisation, role) in zip(users, memberships, strict=True)
            ],
        )
        self.actors = {
            (org.pk, role): user for user, (org, role) in zip(users, memberships, strict=True)
        }

    def build_framework(self) -> None:
        rng, p = self.rng, self.p
        goal_count = max(1, min(6, math.ceil(p.indicators / 8)))
        pillars = list(Pillar)
        goals = []
        for number in range(1, goal_count + 1):
            topic = self.topic()
            verb = rng.randrange(3)
            title = {
                language: texts.GOAL_TITLES[language].format(
                    verb=texts.GOAL_VERBS[language][verb], topic=topic[language]
                )
                for language in texts.TOPICS
            }
            goals.append(
                Goal(
                    plan=self.plan,
                    number=number,
                    pillar=pillars[(number - 1) % len(pillars)].value,
                    # The demo has every goal title in French too; half of these plans do.
                    **{
                        **({"title_fr": title["fr"]} if rng.random() < 0.5 else {}),
                        **self.translated("title", title),
                    },
                )
            )
        self.goals = self.bulk(Goal, goals)
        subgoals = []
        for goal in self.goals:
            # The first goal always has subgoals and the last (when there are two) none, so
            # both shapes are there; the rest vary.
            if goal.number == 1 or (goal.number < goal_count and rng.random() < 0.7):
                for position in range(rng.randint(1, 4)):
                    topic = self.topic()
                    subgoals.append(
                        Subgoal(
                            goal=goal,
                            number=f"{goal.number}.{position + 1}",
                            position=position,
                            **self.translated("title", topic),
                        )
                    )
        self.subgoals = self.bulk(Subgoal, subgoals)
        slots = [(goal, None) for goal in self.goals] + [
            (next(g for g in self.goals if g.pk == s.goal_id), s) for s in self.subgoals
        ]
        kinds = [Kind.COUNT, Kind.PERCENTAGE, Kind.AMOUNT, Kind.QUALITATIVE]
        rng.shuffle(kinds)
        per_slot: dict[tuple, int] = {}
        indicators = []
        for number in range(p.indicators):
            goal, subgoal = slots[number] if number < len(slots) else rng.choice(slots)
            position = per_slot.get((goal.pk, subgoal and subgoal.pk), 0)
            per_slot[goal.pk, subgoal and subgoal.pk] = position + 1
            prefix = subgoal.number if subgoal else str(goal.number)
            kind = kinds[number] if number < len(kinds) else weighted(rng, KIND_WEIGHTS)
            topic = self.topic()
            text = {
                language: texts.INDICATOR_TEXTS[kind][language].format(topic=topic[language])
                for language in texts.TOPICS
            }
            fields = {}
            if kind != Kind.QUALITATIVE and rng.random() < 0.6:
                top = 100 if kind == Kind.PERCENTAGE else rng.choice([20, 200, 5000])
                baseline = rng.randint(0, top // 2)
                fields = {
                    "baseline": Decimal(baseline),
                    "baseline_year": p.first_year - 1,
                    "target": Decimal(min(top, baseline + rng.randint(1, top // 2 + 1))),
                    "target_year": self.plan.last_year,
                }
            if kind in texts.UNITS:
                fields.update(self.translated("unit", texts.UNITS[kind]))
            indicators.append(
                Indicator(
                    plan=self.plan,
                    goal=goal,
                    subgoal=subgoal,
                    code=f"{prefix}.{letters(position)}",
                    position=position,
                    kind=kind,
                    currency=rng.choice(["EUR", "USD"]) if kind == Kind.AMOUNT else "",
                    **self.translated("text", text),
                    **fields,
                )
            )
        self.indicators = self.bulk(Indicator, indicators)
        categories = []
        disaggregated = False
        for indicator in self.indicators:
            # About 30% of the quantitative indicators, and always the first count.
            first_count = indicator.kind == Kind.COUNT and not disaggregated
            if indicator.kind != Kind.QUALITATIVE and (rng.random() < 0.3 or first_count):
                disaggregated = True
                chosen = sorted(rng.sample(range(len(texts.CATEGORY_CODES)), rng.randint(2, 6)))
                for position, which in enumerate(chosen):
                    label = {
                        language: labels[which]
                        for language, labels in texts.CATEGORY_LABELS.items()
                    }
                    categories.append(
                        DisaggregationCategory(
                            indicator=indicator,
                            code=texts.CATEGORY_CODES[which],
                            position=position,
                            **self.translated("label", label),
                        )
                    )
        self.categories: dict[int, list] = {}
        for category in self.bulk(DisaggregationCategory, categories):
            self.categories.setdefault(category.indicator_id, []).append(category)

    def build_responsibilities(self) -> None:
        rng = self.rng
        scopes: list[tuple] = []  # (organisation, goal, subgoal, indicator)
        lead = self.reporters[0]
        for indicator in self.indicators:
            if rng.random() < 0.8 or len(self.reporters) == 1:
                scopes.append((lead, indicator.goal, indicator.subgoal, indicator))
        for organisation in self.reporters[1:]:
            # Other ministries report on goals and subgoals as a whole, and on a few indicators.
            for goal in rng.sample(self.goals, min(len(self.goals), rng.randint(1, 2))):
                scopes.append((organisation, goal, None, None))
            if self.subgoals:
                subgoal = rng.choice(self.subgoals)
                goal = next(g for g in self.goals if g.pk == subgoal.goal_id)
                scopes.append((organisation, goal, subgoal, None))
            for indicator in rng.sample(self.indicators, min(len(self.indicators), 3)):
                scopes.append((organisation, indicator.goal, indicator.subgoal, indicator))
        seen, unique = set(), []
        for organisation, goal, subgoal, indicator in scopes:
            key = (organisation.pk, goal.pk, subgoal and subgoal.pk, indicator and indicator.pk)
            if key not in seen:
                seen.add(key)
                unique.append((organisation, goal, subgoal, indicator))
        self.scopes = unique
        self.bulk(
            Responsibility,
            [
                Responsibility(organisation=o, goal=g, subgoal=s, indicator=i)
                for o, g, s, i in unique
            ],
        )

    # --- rounds and entries ----------------------------------------------------------------
    def round_state(self, number: int) -> str:
        last = self.p.years - 1
        if number == last:
            return State.OPEN
        if number == last - 1 and self.p.years >= 3:
            return State.CLOSED
        return State.PUBLISHED

    def build_rounds(self) -> None:
        rounds = []
        for number in range(self.p.years):
            year = self.p.first_year + number
            state = self.round_state(number)
            rounds.append(
                ReportingRound(
                    plan=self.plan,
                    year=year,
                    opens_on=datetime.date(year + 1, 1, 10),
                    deadline=datetime.date(year + 1, 4, 1),
                    state=state,
                    publish_at=at(datetime.date(year + 1, 11, 9))
                    if state == State.PUBLISHED
                    else None,
                    published_at=(
                        at(datetime.date(year + 1, 11, 9)) if state == State.PUBLISHED else None
                    ),
                )
            )
        self.rounds = self.bulk(ReportingRound, rounds)
        self.series: dict[tuple, float] = {}
        for round_ in self.rounds:
            self.build_entries(round_)

    def build_entries(self, round_: ReportingRound) -> None:
        rng = self.rng
        entries, plans = [], []
        opened = round_.opens_on
        coordinator = self.actors[self.reporters[0].pk, Membership.Role.COORDINATOR]
        for organisation, goal, subgoal, indicator in self.scopes:
            if rng.random() < 0.04:
                continue  # no input received from this organisation on this item
            status = weighted(rng, STATUS_MIX[round_.state])
            focal = self.actors[organisation.pk, Membership.Role.FOCAL_POINT]
            editor = self.actors[organisation.pk, Membership.Role.EDITOR]
            steps = STEPS[status]
            times = [
                at(opened + datetime.timedelta(days=7 * n + rng.randint(0, 6)))
                for n in range(len(steps))
            ]
            if status == Status.PUBLISHED:
                times[-1] = round_.published_at
            fields = {}
            not_reported = rng.random() < 0.04
            if not_reported:
                fields["not_reported"] = weighted(
                    rng,
                    [
                        (ProgressEntry.NotReported.NOTHING_TO_REPORT, 2),
                        (ProgressEntry.NotReported.NO_DATA, 1),
                    ],
                )
                fields.update(self.translated("not_reported_reason", texts.NOT_REPORTED, False))
            elif status != Status.DRAFT or rng.random() < 0.8:
                length = texts.narrative_length(rng)
                fields[f"narrative_{self.language}"] = texts.narrative_html(
                    rng, self.language, length, self.country_name, round_.year
                )
                if self.language != "en" and rng.random() < 0.2:
                    fields["narrative_en"] = texts.narrative_html(
                        rng, "en", length, self.country_name, round_.year
                    )
            reached = dict(zip(steps, times, strict=True))
            entry = ProgressEntry(
                created_at=times[0],
                updated_at=times[-1],
                round=round_,
                organisation=organisation,
                goal=goal,
                subgoal=subgoal,
                indicator=indicator,
                status=status,
                currency=indicator.currency if indicator and indicator.kind == Kind.AMOUNT else "",
                version=len(steps),
                last_edited_by=editor,
                submitted_at=reached.get(Status.SUBMITTED),
                submitted_by=focal if Status.SUBMITTED in reached else None,
                approved_at=reached.get(Status.APPROVED),
                approved_by=coordinator if Status.APPROVED in reached else None,
                published_at=reached.get(Status.PUBLISHED),
                **fields,
            )
            entries.append(entry)
            actors = {
                Status.DRAFT: editor,
                Status.SUBMITTED: focal,
                Status.RETURNED: coordinator,
                Status.APPROVED: coordinator,
                Status.PUBLISHED: coordinator,
            }
            plans.append((steps, times, actors, not_reported))
        with own_timestamps(ProgressEntry):
            entries = self.bulk(ProgressEntry, entries)
        self.build_history(entries, plans)
        values, examples, references = [], [], []
        for entry, (_steps, _times, _actors, not_reported) in zip(entries, plans, strict=True):
            indicator = entry.indicator
            if indicator is not None and not not_reported:
                if indicator.is_quantitative:
                    values.extend(self.values_for(entry, indicator, round_.year))
                elif rng.random() < 0.8:
                    for position in range(rng.randint(1, 3)):
                        topic = self.topic()
                        examples.append(
                            Example(
                                entry=entry,
                                position=position,
                                country=rng.choice(list(COUNTRIES)),
                                partner=rng.choice(texts.PARTNERS),
                                link=f"https://example.org/story/{rng.randint(1, 99999)}",
                                **{f"title_{self.language}": topic[self.language].capitalize()},
                                **{
                                    f"description_{self.language}": texts.narrative_html(
                                        rng,
                                        self.language,
                                        rng.randint(200, 900),
                                        self.country_name,
                                        round_.year,
                                    )
                                },
                            )
                        )
            if not not_reported and rng.random() < 0.25:
                for position in range(rng.randint(1, 2)):
                    if rng.random() < 0.6:
                        references.append(
                            Reference(
                                entry=entry,
                                position=position,
                                kind=Reference.Kind.PARLIAMENTARY_PAPER,
                                citation=f"{rng.randint(26000, 36999)}, nr. {rng.randint(1, 400)}",
                                title=f"Letter to parliament {round_.year + 1}",
                            )
                        )
                    else:
                        references.append(
                            Reference(
                                entry=entry,
                                position=position,
                                kind=Reference.Kind.URL,
                                title=f"Annual results {round_.year}",
                                url=f"https://example.org/results/{rng.randint(1, 9999)}",
                            )
                        )
        history_date = at(round_.opens_on)
        for model, objects in (
            (ProgressValue, values),
            (Example, examples),
            (Reference, references),
        ):
            created = self.bulk(model, objects)
            model.history.bulk_history_create(created, default_date=history_date)
            self.counts[f"historical{model._meta.model_name}"] = self.counts.get(
                f"historical{model._meta.model_name}", 0
            ) + len(created)

    def values_for(self, entry: ProgressEntry, indicator: Indicator, year: int) -> list:
        """A series per organisation and indicator: a start value that grows with noise."""
        rng = self.rng
        key = (entry.organisation_id, indicator.pk)
        if key not in self.series:
            if indicator.kind == Kind.PERCENTAGE:
                self.series[key] = rng.uniform(5, 60)
            elif indicator.baseline is not None:
                self.series[key] = float(indicator.baseline) or 1.0
            else:
                self.series[key] = rng.choice([3, 12, 40, 250, 1500])
        current = self.series[key] * rng.uniform(0.9, 1.25)
        if indicator.kind == Kind.PERCENTAGE:
            current = min(current, 100.0)
        self.series[key] = current

        def number(value: float) -> Decimal:
            if indicator.kind == Kind.COUNT:
                return Decimal(round(value))
            return Decimal(f"{value:.2f}")

        total = number(current)
        rows = [ProgressValue(entry=entry, category=None, value=total)]
        categories = self.categories.get(indicator.pk, [])
        if categories:
            weights = [rng.random() + 0.1 for _ in categories]
            for category, weight in zip(categories, weights, strict=True):
                share = (
                    current
                    if indicator.kind == Kind.PERCENTAGE
                    else current * weight / sum(weights)
                )
                if indicator.kind == Kind.PERCENTAGE:
                    share = min(100.0, share * rng.uniform(0.7, 1.3))
                rows.append(ProgressValue(entry=entry, category=category, value=number(share)))
        return rows

    def build_history(self, entries: list, plans: list) -> None:
        """One history record and one transition per workflow step, as the workflow writes."""
        model = ProgressEntry.history.model
        tracked = model.tracked_fields
        records, steps_of = [], []
        for entry, (steps, times, actors, _not_reported) in zip(entries, plans, strict=True):
            snapshot = {field.attname: getattr(entry, field.attname) for field in tracked}
            for number, (status, when) in enumerate(zip(steps, times, strict=True)):
                records.append(
                    model(
                        **{**snapshot, "status": status, "version": number + 1},
                        history_date=when,
                        history_user=actors[status],
                        history_type="+" if number == 0 else "~",
                        history_change_reason=""
                        if number == 0
                        else f"{steps[number - 1]} → {status}",
                    )
                )
                steps_of.append((entry, number, steps, when, actors[status]))
        records = self.bulk(model, records, "historicalprogressentry")
        transitions = [
            EntryTransition(
                entry=entry,
                from_status=steps[number - 1] if number else "",
                to_status=steps[number],
                actor=actor,
                comment="",
                history_id=record.history_id,
            )
            for record, (entry, number, steps, _when, actor) in zip(records, steps_of, strict=True)
        ]
        for transition, (_entry, _number, _steps, when, _actor) in zip(
            transitions, steps_of, strict=True
        ):
            transition.at = when
            if transition.to_status == Status.RETURNED:
                transition.comment = RETURN_COMMENT
        comments = [
            EntryComment(entry=t.entry, author=t.actor, text=RETURN_COMMENT, created_at=t.at)
            for t in transitions
            if t.to_status == Status.RETURNED
        ]
        with own_timestamps(EntryTransition, EntryComment):
            self.bulk(EntryTransition, transitions)
            self.bulk(EntryComment, comments)
