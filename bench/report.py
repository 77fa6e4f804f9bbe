"""Benchmark of the report to parliament (a script, not a test).

    DEBUG=1 DATABASE_URL=sqlite:////tmp/bench-report.sqlite3 .venv/bin/python bench/report.py

For the 2021 demo report and for synthetic reports of 10x and 100x its entries (copies of the
demo entries, approved, in extra rounds' worth of organisations), it prints: pages, time to
build the HTML from the database, WeasyPrint time on that HTML, pages per second, peak memory,
the build overhead as a fraction of WeasyPrint time, and the time of a cached request for the
unchanged report (median of five, after one warm-up request). It writes to the database named
by DATABASE_URL: use a throw-away one.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "napportal.settings")
os.environ.setdefault("DEBUG", "1")


def setup() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)


def synthesise(factor: int):
    """A plan shaped like the demo with `factor` times its 2021 entries: every demo entry is
    copied to factor-1 extra organisations (so the annex gets factor times the sections)."""
    from django.db import transaction

    from indicators.models import Organisation, Plan, PlanOrganisation, Responsibility
    from reporting.models import ProgressEntry, ReportingRound

    demo = Plan.objects.get(slug="nl-nap-iv")
    slug = f"bench-x{factor}"
    existing = Plan.objects.filter(slug=slug).first()
    if existing:
        return existing
    with transaction.atomic():
        plan = Plan.objects.create(
            slug=slug,
            country="NL",
            edition=demo.edition,
            short_name=f"BENCH-x{factor}",
            title_nl=demo.title_nl,
            first_year=demo.first_year,
            last_year=demo.last_year,
            language="nl",
            status=Plan.Status.ACTIVE,
        )
        # Share the demo's framework by re-pointing copies: cheaper to copy goals and all.
        goal_map, subgoal_map, indicator_map = {}, {}, {}
        for goal in demo.goals.all():
            old = goal.pk
            goal.pk = None
            goal.plan = plan
            goal.save()
            goal_map[old] = goal
        for goal_id, goal in goal_map.items():
            for subgoal in list(goal.subgoals.model.objects.filter(goal_id=goal_id)):
                old = subgoal.pk
                subgoal.pk = None
                subgoal.goal = goal
                subgoal.save()
                subgoal_map[old] = subgoal
        for indicator in demo.indicators.all():
            old = indicator.pk
            indicator.pk = None
            indicator.plan = plan
            indicator.goal = goal_map[indicator.goal_id]
            indicator.subgoal = subgoal_map.get(indicator.subgoal_id)
            indicator.save()
            indicator_map[old] = indicator
        round_ = ReportingRound.objects.create(
            plan=plan,
            year=2021,
            opens_on="2022-01-10",
            deadline="2022-04-01",
            state=ReportingRound.State.PUBLISHED,
        )
        source = list(ProgressEntry.objects.filter(round__plan=demo, round__year=2021))
        entries = []
        # The demo's ministries, read once: the twins made below are ministries too.
        ministries = list(
            Organisation.objects.filter(kind="ministry", entries__round__plan=demo)
            .distinct()
            .order_by("slug")
        )
        for copy in range(factor):
            for organisation in ministries:
                twin, _created = Organisation.objects.get_or_create(
                    slug=f"{organisation.slug}-{copy}",
                    defaults={
                        "name_nl": f"{organisation.name_nl} ({copy + 1})",
                        "abbreviation_nl": f"{organisation.abbreviation_nl}{copy + 1}",
                        "kind": organisation.kind,
                    },
                )
                PlanOrganisation.objects.get_or_create(plan=plan, organisation=twin)
                for entry in source:
                    if entry.organisation_id != organisation.pk:
                        continue
                    entries.append(
                        ProgressEntry(
                            round=round_,
                            organisation=twin,
                            goal=goal_map[entry.goal_id],
                            subgoal=subgoal_map.get(entry.subgoal_id),
                            indicator=indicator_map.get(entry.indicator_id),
                            status=ProgressEntry.Status.APPROVED,
                            narrative_nl=entry.narrative_nl,
                            not_reported=entry.not_reported,
                            not_reported_reason_nl=entry.not_reported_reason_nl,
                        )
                    )
                    Responsibility.objects.get_or_create(
                        organisation=twin,
                        goal=goal_map[entry.goal_id],
                        subgoal=subgoal_map.get(entry.subgoal_id),
                        indicator=indicator_map.get(entry.indicator_id),
                    )
        ProgressEntry.objects.bulk_create(entries, batch_size=500)
    return plan


def measure(plan, year: int, label: str) -> dict:
    import tempfile

    from reports.chunked import split
    from reports.context import build_report
    from reports.render import render_html, render_pdf
    from reports.services import generate_report

    started = time.perf_counter()
    report = build_report(plan=plan, year=year, layout="organisation", language="nl")
    html = render_html(report)
    build = time.perf_counter() - started
    # A report larger than reports.chunked.CHUNK_CHARS is laid out in parts (each part's HTML
    # written twice, counted here) and joined; a smaller one is laid out from `html` in one go.
    parts = len(split(report))
    if parts > 1:
        html = None  # unused for parts, and reports.services does not build it either
    started = time.perf_counter()
    pdf = render_pdf(report, html)
    weasy = time.perf_counter() - started
    # Peak resident memory of the process, which measures this one report (main() runs each
    # size in a process of its own); tracemalloc would slow WeasyPrint down several times.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))

    # Fill the cache with the document just measured rather than render it a second time, then
    # time a cached request: the cheap state digest and a cache read, no report built.
    from django.core.cache import cache

    from reports.services import cache_key

    key = cache_key(plan=plan, year=year, fmt="pdf", layout="organisation", language="nl")
    cache.set(key, pdf, 3600)
    generate_report(plan=plan, year=year, fmt="pdf", language="nl")  # warm the process
    timings = []
    for _attempt in range(5):
        started = time.perf_counter()
        cached = generate_report(plan=plan, year=year, fmt="pdf", language="nl")
        timings.append(time.perf_counter() - started)
        assert cached.cached
    cached_time = sorted(timings)[len(timings) // 2]  # the median of five
    return {
        "report": label,
        "entries": report.entry_count,
        "parts": parts,
        "pages": pages,
        "build_s": build,
        "weasyprint_s": weasy,
        "pages_per_s": pages / weasy,
        "peak_mb": peak / 1e6,
        "overhead": build / weasy,
        "cached_ms": cached_time * 1000,
        "pdf_kb": len(pdf) / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factors", default="1,10,100", help="Sizes to measure, e.g. 1,10")
    parser.add_argument("--row", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    factors = [int(f) for f in args.factors.split(",")]
    if not args.row:
        setup()
        header = (
            "| report | entries | parts | pages | build HTML (s) | WeasyPrint (s) | pages/s "
            "| peak memory (MB) | overhead | cached request (ms) | PDF (kB) |"
        )
        print(header)
        print("|---" * 11 + "|", flush=True)
        # Each size in a process of its own: the peak memory of a row is that report's alone
        # (a process does not give freed memory back, so a shared one would carry the smaller
        # reports' peaks into the larger ones).
        for factor in factors:
            subprocess.run(
                [sys.executable, __file__, "--row", "--factors", str(factor)], check=True
            )
        return
    import django

    django.setup()
    from indicators.models import Plan

    for factor in factors:
        plan = Plan.objects.get(slug="nl-nap-iv") if factor == 1 else synthesise(factor)
        label = "demo 2021" if factor == 1 else f"{factor}x"
        r = measure(plan, 2021, label)
        print(
            f"| {r['report']} | {r['entries']} | {r['parts']} | {r['pages']} | {r['build_s']:.2f} "
            f"| {r['weasyprint_s']:.1f} | {r['pages_per_s']:.1f} | {r['peak_mb']:.0f} "
            f"| {r['overhead']:.1%} | {r['cached_ms']:.0f} | {r['pdf_kb']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
