"""Idempotent writes of rounds, entries and letters, used by the demo loader and the importers.

The data-entry workflow (submit, return, approve, publish by an acting user) builds on these
but lives in its own functions with permission checks.
"""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from indicators.models import DisaggregationCategory, Goal, Indicator, Organisation, Plan, Subgoal
from napportal.upsert import Translations, assign, save_if_changed, translated_values

from .models import (
    CoverLetter,
    Example,
    LetterSignature,
    ProgressEntry,
    ProgressValue,
    Reference,
    ReportingRound,
)


@transaction.atomic
def upsert_round(
    *,
    plan: Plan,
    year: int,
    opens_on: datetime.date,
    deadline: datetime.date,
    state: str,
    publish_at: datetime.datetime | None = None,
    published_at: datetime.datetime | None = None,
) -> ReportingRound:
    round_ = ReportingRound.objects.select_for_update().filter(
        plan=plan, year=year
    ).first() or ReportingRound(plan=plan, year=year)
    save_if_changed(
        round_,
        {
            "opens_on": opens_on,
            "deadline": deadline,
            "state": state,
            "publish_at": publish_at,
            "published_at": published_at,
        },
    )
    return round_


@transaction.atomic
def upsert_letter(
    *,
    round_: ReportingRound,
    subject: Translations,
    date: datetime.date | None = None,
    reference: str = "",
    sender: Translations = None,
    addressee: Translations = None,
    salutation: Translations = None,
    body: Translations = None,
    signatures: Iterable[Mapping[str, Any]] = (),
) -> CoverLetter:
    letter = CoverLetter.objects.select_for_update().filter(round=round_).first() or CoverLetter(
        round=round_
    )
    save_if_changed(
        letter,
        {
            "date": date,
            "reference": reference or "",
            **translated_values("subject", subject),
            **translated_values("sender", sender),
            **translated_values("addressee", addressee),
            **translated_values("salutation", salutation),
            **translated_values("body", body),
        },
    )
    _sync_positions(
        letter.signatures.all(),
        [
            {"name": item["name"], **translated_values("title", item["title"])}
            for item in signatures
        ],
        lambda position: LetterSignature(letter=letter, position=position),
    )
    return letter


@transaction.atomic
def upsert_entry(
    *,
    round_: ReportingRound,
    organisation: Organisation,
    goal: Goal,
    subgoal: Subgoal | None = None,
    indicator: Indicator | None = None,
    status: str = ProgressEntry.Status.DRAFT,
    narrative: Translations = None,
    not_reported: str | None = None,
    not_reported_reason: Translations = None,
    currency: str = "",
    values: Iterable[Mapping[str, Any]] = (),
    references: Iterable[Mapping[str, Any]] | None = None,
    examples: Iterable[Mapping[str, Any]] | None = None,
    published_at: datetime.datetime | None = None,
) -> ProgressEntry:
    """Create or update an entry with its values; references and examples only when given.

    A change to an existing entry (its fields or its values) raises its version, so that
    someone who opened the entry before gets an edit conflict instead of silently overwriting
    the loaded content. The row stays locked from reading to writing, so an editor's save
    cannot slip in between.
    """
    entry = ProgressEntry.objects.select_for_update().filter(
        round=round_, organisation=organisation, goal=goal, subgoal=subgoal, indicator=indicator
    ).first() or ProgressEntry(
        round=round_, organisation=organisation, goal=goal, subgoal=subgoal, indicator=indicator
    )
    if indicator is not None and indicator.kind == Indicator.Kind.AMOUNT and not currency:
        currency = indicator.currency
    fields = {
        "status": status,
        "not_reported": not_reported or "",
        "currency": currency or "",
        "published_at": published_at,
        **translated_values("narrative", narrative),
        **translated_values("not_reported_reason", not_reported_reason),
    }
    with transaction.atomic():
        if entry.pk is None:
            save_if_changed(entry, fields)
            _sync_values(entry, values)
        else:
            values_before = _value_set(entry)
            changed = assign(entry, fields)
            if changed:
                entry.full_clean()
            _sync_values(entry, values)
            if changed or _value_set(entry) != values_before:
                entry.version += 1
                entry.save()
        if references is not None:
            _sync_positions(
                entry.references.all(),
                [
                    {
                        "kind": item["kind"],
                        "citation": item.get("citation") or "",
                        "title": item.get("title") or "",
                        "url": item.get("url") or "",
                    }
                    for item in references
                ],
                lambda position: Reference(entry=entry, position=position),
            )
        if examples is not None:
            _sync_positions(
                entry.examples.all(),
                [
                    {
                        "country": item.get("country") or "",
                        "partner": item.get("partner") or "",
                        "link": item.get("link") or "",
                        **translated_values("title", item["title"]),
                        **translated_values("description", item.get("description")),
                    }
                    for item in examples
                ],
                lambda position: Example(entry=entry, position=position),
            )
    return entry


def _sync_values(entry: ProgressEntry, values: Iterable[Mapping[str, Any]]) -> None:
    existing = {value.category_id: value for value in entry.values.all()}
    wanted = set()
    for item in values:
        category = None
        if item.get("category"):
            category = DisaggregationCategory.objects.get(
                indicator=entry.indicator, code=item["category"]
            )
        key = category.pk if category else None
        wanted.add(key)
        value = existing.get(key) or ProgressValue(entry=entry, category=category)
        save_if_changed(value, {"value": Decimal(str(item["value"]))})
    for key, value in existing.items():
        if key not in wanted:
            value.delete()


def _sync_positions(queryset, wanted: list[dict], new) -> None:
    """Make the ordered child rows equal `wanted`, touching only rows that differ."""
    existing = {row.position: row for row in queryset}
    for position, values in enumerate(wanted):
        save_if_changed(existing.pop(position, None) or new(position), values)
    for row in existing.values():
        row.delete()


@transaction.atomic
def load_rounds(plan: Plan, rounds: Iterable[Mapping[str, Any]]) -> list[ReportingRound]:
    """Create or update rounds, letters and entries from the demo-data structure."""
    organisations = {o.slug: o for o in Organisation.objects.all()}
    goals = {g.number: g for g in plan.goals.all()}
    subgoals = {
        (s.goal.number, s.number): s
        for s in Subgoal.objects.filter(goal__plan=plan).select_related("goal")
    }
    indicators = {i.code: i for i in plan.indicators.all()}
    result = []
    for round_data in rounds:
        round_ = upsert_round(
            plan=plan,
            year=round_data["year"],
            opens_on=round_data["opens_on"],
            deadline=round_data["deadline"],
            state=round_data["state"],
            publish_at=_aware(round_data.get("publish_at")),
            published_at=_aware(round_data.get("published_at")),
        )
        if round_data.get("letter"):
            upsert_letter(round_=round_, **round_data["letter"])
        for item in round_data.get("entries", []):
            status = item.get("status") or round_data.get("entry_status", "draft")
            upsert_entry(
                round_=round_,
                organisation=organisations[item["organisation"]],
                goal=goals[item["goal"]],
                subgoal=subgoals[item["goal"], str(item["subgoal"])]
                if item.get("subgoal")
                else None,
                indicator=indicators[item["indicator"]] if item.get("indicator") else None,
                status=status,
                narrative=item.get("narrative"),
                not_reported=item.get("not_reported"),
                not_reported_reason=item.get("not_reported_reason"),
                values=item.get("values") or (),
                references=item.get("references") or (),
                examples=item.get("examples") or (),
                published_at=round_.published_at
                if status == ProgressEntry.Status.PUBLISHED
                else None,
            )
        result.append(round_)
    return result


def _aware(value):
    if value is None or (isinstance(value, datetime.datetime) and timezone.is_aware(value)):
        return value
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time(12, 0))
    return timezone.make_aware(value)


def _value_set(entry: ProgressEntry) -> list:
    return sorted(
        (category or 0, value)
        for category, value in entry.values.values_list("category_id", "value")
    )
