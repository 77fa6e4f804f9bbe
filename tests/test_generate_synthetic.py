"""The synthetic data generator: reproducible, sized by its parameters, realistic enough to
benchmark on (every status, every indicator kind, sanitised rich text, valid rows)."""

import re
import statistics

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from indicators.models import (
    DisaggregationCategory,
    Indicator,
    Organisation,
    Plan,
    Responsibility,
    Subgoal,
)
from reporting.models import (
    EntryTransition,
    Example,
    ProgressEntry,
    ProgressValue,
    Reference,
    ReportingRound,
)

SMALL = {"plans": 2, "years": 3, "organisations": 8, "indicators": 12}


def generate(seed, **overrides):
    options = {**SMALL, **overrides}
    call_command("generate_synthetic", seed=seed, verbosity=0, **options)


def snapshot(seed):
    """Everything generated for a seed, with foreign keys by natural key (ids differ per run)."""
    plans = Plan.objects.filter(slug__startswith=f"syn-s{seed}-")
    entry_key = (
        "round__plan__slug",
        "round__year",
        "organisation__slug",
        "goal__number",
        "subgoal__number",
        "indicator__code",
    )
    entries = ProgressEntry.objects.filter(round__plan__in=plans)
    return {
        "plans": list(
            plans.order_by("slug").values_list(
                "slug", "country", "language", "title_nl", "title_en", "title_fr", "last_year"
            )
        ),
        "organisations": list(
            Organisation.objects.filter(slug__startswith=f"syn-s{seed}-")
            .order_by("slug")
            .values_list("slug", "kind", "name_en", "participations__role")
        ),
        "indicators": list(
            Indicator.objects.filter(plan__in=plans)
            .order_by("plan__slug", "code")
            .values_list("code", "kind", "text_en", "baseline", "target", "subgoal__number")
        ),
        "entries": list(
            entries.order_by(*entry_key).values_list(
                *entry_key,
                "status",
                "narrative_nl",
                "narrative_en",
                "narrative_fr",
                "not_reported",
                "version",
                "created_at",
                "submitted_at",
                "published_at",
            )
        ),
        "values": sorted(
            ProgressValue.objects.filter(entry__in=entries).values_list(
                *(f"entry__{key}" for key in entry_key), "category__code", "value"
            ),
            key=repr,
        ),
        "examples": sorted(
            Example.objects.filter(entry__in=entries).values_list(
                *(f"entry__{key}" for key in entry_key), "position", "country", "partner", "link"
            ),
            key=repr,
        ),
        "transitions": sorted(
            EntryTransition.objects.filter(entry__in=entries).values_list(
                *(f"entry__{key}" for key in entry_key), "to_status", "at", "actor__username"
            ),
            key=repr,
        ),
    }


def forget(seed):
    # Entries first: history records of deleted values still read their category.
    ProgressEntry.objects.filter(round__plan__slug__startswith=f"syn-s{seed}-").delete()
    Responsibility.objects.filter(goal__plan__slug__startswith=f"syn-s{seed}-").delete()
    Plan.objects.filter(slug__startswith=f"syn-s{seed}-").delete()
    Organisation.objects.filter(slug__startswith=f"syn-s{seed}-").delete()
    User.objects.filter(username__startswith=f"syn-s{seed}-").delete()


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    generate(7)
    first = snapshot(7)
    forget(7)
    assert not Plan.objects.exists()
    generate(7)
    assert snapshot(7) == first
    generate(8)
    other = snapshot(8)
    assert [row[6:] for row in other["entries"]] != [row[6:] for row in first["entries"]]


@pytest.mark.django_db
def test_a_seed_is_generated_once_per_database():
    generate(3, plans=1)
    with pytest.raises(CommandError, match="Seed 3 was generated before"):
        generate(3, plans=1)
    assert Plan.objects.count() == 1


@pytest.mark.django_db
def test_counts_follow_the_parameters():
    generate(1, plans=3, years=4, organisations=10, indicators=15)
    plans = Plan.objects.filter(slug__startswith="syn-s1-")
    assert plans.count() == 3
    assert Organisation.objects.filter(slug__startswith="syn-s1-").count() == 30
    for plan in plans:
        assert plan.indicators.count() == 15
        assert list(plan.rounds.order_by("year").values_list("year", flat=True)) == [
            2021,
            2022,
            2023,
            2024,
        ]
        assert plan.participations.filter(role="coordinator").count() == 1
        # Like the demo: about one entry per responsibility and round.
        responsibilities = sum(
            organisation.responsibilities.filter(goal__plan=plan).count()
            for organisation in plan.organisations.all()
        )
        entries = ProgressEntry.objects.filter(round__plan=plan).count()
        assert 0.8 * 4 * responsibilities <= entries <= 4 * responsibilities


@pytest.mark.django_db
def test_every_status_kind_and_shape_is_present():
    generate(2, plans=2, years=3, indicators=40)
    assert set(ProgressEntry.objects.values_list("status", flat=True)) == set(
        ProgressEntry.Status.values
    )
    assert set(ReportingRound.objects.values_list("state", flat=True)) == {
        "published",
        "closed",
        "open",
    }
    assert set(Indicator.objects.values_list("kind", flat=True)) == set(Indicator.Kind.values)
    assert DisaggregationCategory.objects.exists()
    assert ProgressValue.objects.filter(category__isnull=False).exists()
    assert Example.objects.exists() and Reference.objects.exists()
    assert ProgressEntry.objects.exclude(not_reported="").exists()
    # Entries on a goal or subgoal as a whole, and goals with and without subgoals.
    assert ProgressEntry.objects.filter(indicator__isnull=True).exists()
    goals_with_subgoals = set(Subgoal.objects.values_list("goal", flat=True))
    assert any(
        goal.pk not in goals_with_subgoals
        for plan in Plan.objects.all()
        for goal in plan.goals.all()
    )
    assert goals_with_subgoals


@pytest.mark.django_db
def test_published_entries_are_public_and_only_in_published_rounds():
    generate(4)
    published = ProgressEntry.objects.published()
    assert published.exists()
    assert set(published.values_list("round__state", flat=True)) == {"published"}
    assert all(entry.published_at for entry in published)
    in_published_rounds = ProgressEntry.objects.filter(round__state="published")
    assert published.count() >= 0.85 * in_published_rounds.count()
    # The history tells how each got there: draft, submitted, approved, published.
    entry = published.first()
    assert list(entry.transitions.values_list("to_status", flat=True)) == [
        "draft",
        "submitted",
        "approved",
        "published",
    ]
    assert entry.history.count() == 4
    assert entry.transitions.last().history_id == entry.history.latest().history_id


@pytest.mark.django_db
def test_texts_are_sanitised_translated_and_as_long_as_the_annex():
    generate(5, plans=3, years=2, indicators=30)
    narratives = []
    for entry in ProgressEntry.objects.select_related("round__plan"):
        own = getattr(entry, f"narrative_{entry.round.plan.language}")
        if own:
            narratives.append(own)
        for code in ("nl", "en", "fr"):
            text = getattr(entry, f"narrative_{code}") or ""
            # Pasted markup is in the generated text; the model layer strips it.
            assert "<span" not in text and "style=" not in text
    lengths = [len(re.sub(r"<[^>]+>", "", text)) for text in narratives]
    assert 400 <= statistics.median(lengths) <= 1500
    assert max(lengths) > 2000
    assert (
        ProgressEntry.objects.exclude(narrative_en="").exclude(round__plan__language="en").exists()
    )


@pytest.mark.django_db
def test_generated_rows_pass_model_validation():
    generate(6, plans=1, indicators=20)
    for model in (Indicator, ProgressEntry, ProgressValue, Reference, ReportingRound):
        for row in model.objects.all():
            row.full_clean()
