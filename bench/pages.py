"""Queries and server-side render time per public page, without any cache (a subprocess of
bench/run.py, run with the production environment against the benchmark database).

    python bench/pages.py [--repeat 10]

Prints one BENCH_JSON line: per page its status, size, number of queries of one request, and
p50/p95 of the render time over --repeat requests through Django's test client, in wall-clock
time and in CPU time of this process (the latter hardly changes with the machine's load).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

from bench.common import PAGES, emit, percentile


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    dummy = {
        alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
        for alias in settings.CACHES
    }
    client = Client(
        HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https", raise_request_exception=False
    )
    results = {}
    # The real work of a page, as on a cache miss: no cache at all.
    with override_settings(CACHES=dummy, PUBLIC_PAGE_CACHE_TIMEOUT=0):
        for name, url in PAGES.items():
            response = client.get(url)  # warm-up: templates, translations, connection
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            # Read now: the next request clears the connection's query log.
            query_count = len(queries.captured_queries)
            times, cpu = [], []
            for _ in range(args.repeat):
                started, started_cpu = time.perf_counter(), time.process_time()
                client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                # This process's CPU only (not the database's): barely moved by other load.
                cpu.append((time.process_time() - started_cpu) * 1000)
            results[name] = {
                "url": url,
                "status": response.status_code,
                "bytes": len(response.content) if hasattr(response, "content") else 0,
                "queries": query_count,
                "p50": percentile(times, 50),
                "p95": percentile(times, 95),
                "cpu_p50": percentile(cpu, 50),
                "cpu_p95": percentile(cpu, 95),
            }
    from indicators.models import Plan
    from reporting.models import ProgressEntry

    results["_data"] = {
        "plans": Plan.objects.count(),
        "entries": ProgressEntry.objects.count(),
        "published entries": ProgressEntry.objects.published().count(),
        "history records": ProgressEntry.history.model.objects.count(),
    }
    emit(results)


if __name__ == "__main__":
    main()
