"""Time of saving a progress entry through the workflow's save path (a subprocess of
bench/run.py, with the production environment, against the benchmark database).

    python bench/save_entry.py [--repeat 40]

What the reporter's form does on "Save": `reporting.workflow.save_entry` (row lock, permission
check, version check, full_clean, rich-text sanitising, history record, audit) with the
figures written in its `save_related` step, as `workspace.forms.EntryForm.save_values` does.
The entry is the demo's 2022 draft of the Ministry of Foreign Affairs on indicator 1.a, saved
by an editor of that ministry. Prints one BENCH_JSON line with p50/p95/max in milliseconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

from bench.common import PLAN, emit, percentile

PARAGRAPH = (
    "<p>NL streeft naar meer vrouwen op leiderschapsposities in vredesmissies en "
    "crisisbeheersingsoperaties. De Civiele Missie Pool vormt het belangrijkste instrument "
    "voor Nederlandse bijdragen aan internationale civiele crisisbeheersing.</p>"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Membership, User
    from indicators.models import Organisation
    from reporting import workflow
    from reporting.models import ProgressEntry, ProgressValue

    organisation = Organisation.objects.get(slug="bz")
    editor, _created = User.objects.get_or_create(
        username="bench-editor", defaults={"email": "bench-editor@example.org"}
    )
    Membership.objects.get_or_create(
        user=editor, organisation=organisation, defaults={"role": Membership.Role.EDITOR}
    )
    entry_id = ProgressEntry.objects.get(
        round__plan__slug=PLAN,
        round__year=2022,
        organisation=organisation,
        indicator__code="1.a",
    ).pk

    times = []
    for number in range(args.repeat + 3):
        # As a request would: a fresh user and the entry as the form loaded it.
        user = User.objects.get(pk=editor.pk)
        entry = ProgressEntry.objects.select_related("round__plan", "indicator").get(pk=entry_id)
        entry.narrative_nl = PARAGRAPH * (4 + number % 3)

        def save_related(saved, number=number):
            row = ProgressValue.objects.filter(entry=saved, category=None).first()
            row = row or ProgressValue(entry=saved, category=None)
            row.value = Decimal(10 + number % 5)
            row.full_clean()
            row.save()

        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            workflow.save_entry(
                acting_user=user,
                entry=entry,
                expected_version=entry.version,
                save_related=save_related,
            )
        elapsed = (time.perf_counter() - started) * 1000
        query_count = len(queries.captured_queries)
        if number >= 3:  # the first saves warm up connections and caches
            times.append(elapsed)
    emit(
        {
            "saves": len(times),
            "p50": percentile(times, 50),
            "p95": percentile(times, 95),
            "max": max(times),
            "queries": query_count,
            "history": ProgressEntry.history.model.objects.count(),
        }
    )


if __name__ == "__main__":
    main()
