"""The benchmark suite (`make bench`): public pages, API lists, saving an entry and the report,
at 1x, 10x and 100x the demo data, on PostgreSQL behind gunicorn with production settings.

    .venv/bin/python bench/run.py [--sizes 1x,10x,100x] [--duration 5] [--workers 3] [--reuse]

For each data size it builds a database (demo + `generate_synthetic`) on the throw-away
PostgreSQL of scripts/pg.sh (or BENCH_DATABASE_URL's server), then
  - counts queries and times the uncached render of each page (bench/pages.py, test client),
  - starts gunicorn on 127.0.0.1 and loads each URL with wrk at 1, 10 and 50 connections
    (at 10x; 1 and 50 at the other sizes), next to a static file of similar size served by the
    same server (whitenoise) as the ceiling,
  - times saving an entry through reporting.workflow.save_entry (bench/save_entry.py),
and runs bench/report.py on the demo report. It ends with a table of the targets of issue #7,
each met (✓) or missed (✗) with its figures, and writes var/bench/results.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from bench.common import (
    PAGES,
    PYTHON,
    ROOT,
    SIZES,
    database_exists,
    database_url_for,
    manage,
    production_env,
    recreate_database,
    run_json,
)

GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
WRK_SCRIPT = str(ROOT / "bench" / "wrk_report.lua")
OUT = ROOT / "var" / "bench"
BUDGET_SECONDS = 15 * 60

# Targets of issue #7.
P95_AT_50_MS = 100.0
CEILING_SHARE = 0.5
GROWTH = 1.5
SAVE_P95_MS = 150.0


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def machine() -> dict:
    def first(path: str, prefix: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "?"

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "?"

    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpus": os.cpu_count(),
        "cpu": first("/proc/cpuinfo", "model name"),
        "ram": first("/proc/meminfo", "MemTotal"),
        "python": platform.python_version(),
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_files": len(git("status", "--porcelain").splitlines()),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- data ----------------------------------------------------------------------------------
def build_database(server_url: str, size: str, static_root: str, reuse: bool) -> str:
    name = f"napportal_bench_{size}"
    url = database_url_for(server_url, name)
    env = production_env(url, static_root)
    if reuse and database_exists(server_url, name):
        log(f"{size}: reusing database {name}")
        manage(env, "migrate", "--no-input")  # new migrations (indexes) since it was built
        return url
    started = time.perf_counter()
    recreate_database(server_url, name)
    manage(env, "migrate", "--no-input")
    manage(env, "load_demo")
    params = SIZES[size]
    if params:
        manage(
            env,
            "generate_synthetic",
            f"--plans={params['plans']}",
            f"--years={params['years']}",
            "--seed=1",
        )
    manage(
        env,
        "shell",
        "-c",
        "from django.db import connection; connection.cursor().execute('ANALYZE')",
    )
    log(f"{size}: database {name} built in {time.perf_counter() - started:.0f} s")
    return url


# --- server and load -------------------------------------------------------------------------
class Server:
    def __init__(self, env: dict, workers: int | None, log_dir: Path):
        self.database_url = env["DATABASE_URL"]
        self.port = free_port()
        self.access_log = log_dir / f"access-{self.port}.log"
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(log_dir / f"gunicorn-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "napportal.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                *(["--workers", str(workers)] if workers else []),
                "--access-logfile",
                str(self.access_log),
            ],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.wait()

    def wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped; see {self.log.name}")
            try:
                urllib.request.urlopen(self.base + "/health/", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def settle(self, path: str, limit: float = 60.0) -> int:
        """Wait until requests left over from the last run are served: wrk stops with requests
        in flight, and sync workers serve them (queued) before the next run's first request."""
        deadline = time.monotonic() + limit
        # First until no worker writes an access line for a second (wrk has stopped, so only
        # left-over requests would), then until a few cheap requests come back quickly.
        served = self.served()
        while time.monotonic() < deadline:
            time.sleep(1.0)
            now = self.served()
            if now == served:
                break
            served = now
        quick = made = 0
        while quick < 3 and time.monotonic() < deadline:
            made += 1
            started = time.monotonic()
            try:
                request = urllib.request.Request(
                    self.base + path, headers={"X-Forwarded-Proto": "https"}
                )
                urllib.request.urlopen(request, timeout=limit).read()
            except OSError:
                time.sleep(0.2)
            quick = quick + 1 if time.monotonic() - started < 0.05 else 0
        return made

    def served(self) -> int:
        """Requests served so far, from gunicorn's access log (one line each)."""
        try:
            with open(self.access_log, "rb") as log_file:
                return sum(1 for _line in log_file)
        except OSError:
            return 0

    def cpu_snapshot(self) -> dict[int, float]:
        """CPU seconds so far per process: gunicorn's master (with the workers it has reaped,
        as after max_requests) and workers, and the PostgreSQL backends of its database."""
        import psycopg

        ticks = os.sysconf("SC_CLK_TCK")
        master = self.process.pid
        pids = [master]
        children = Path(f"/proc/{master}/task/{master}/children")
        with contextlib.suppress(OSError):
            pids += [int(pid) for pid in children.read_text().split()]
        name = self.database_url.rpartition("/")[2]
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            pids += [
                row[0]
                for row in connection.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> "
                    "pg_backend_pid()",
                    [name],
                )
            ]
        snapshot = {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            # utime, stime, cutime, cstime: fields 14-17 of stat, 12-15 after the name.
            used = int(fields[11]) + int(fields[12])
            if pid == master:
                used += int(fields[13]) + int(fields[14])
            snapshot[pid] = used / ticks
        return snapshot

    @staticmethod
    def cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
        # A database backend that closed in between takes its share with it (a small
        # underestimate); a new one counts from zero.
        return sum(used - before.get(pid, 0.0) for pid, used in after.items())

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def wrk(url: str, connections: int, duration: int) -> dict:
    load_before = os.getloadavg()[0]
    result = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "5s",
            "-s",
            WRK_SCRIPT,
            url,
        ],
        capture_output=True,
        text=True,
    )
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line[len("BENCH_JSON ") :])
            data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
            data["errors"] = sum(
                data[key] for key in ("connect", "read", "write", "status", "timeout")
            )
            data["load"] = round((load_before + os.getloadavg()[0]) / 2, 2)
            return data
    raise RuntimeError(f"wrk failed: {result.stdout[-500:]} {result.stderr[-500:]}")


def collect_static(env: dict) -> None:
    """collectstatic into var/bench/static, skipped while the sources are unchanged: hashing
    and compressing every file takes minutes of CPU, more than the rest of the set-up."""
    static_root = Path(env["STATIC_ROOT"])
    stamp = static_root / ".bench-stamp"
    if stamp.exists() and stamp.read_text() == static_digest():
        log("static files: unchanged, collectstatic skipped")
        return
    started = time.perf_counter()
    manage(env, "collectstatic", "--no-input", "--clear")
    stamp.write_text(static_digest())
    log(f"static files collected in {time.perf_counter() - started:.0f} s")


def static_digest() -> str:
    """What collectstatic's output depends on: the project's static files (by content) and the
    installed packages (by version, e.g. the vendored Swagger UI)."""
    from importlib import metadata

    digest = hashlib.sha1()
    for directory in [ROOT / "static", *ROOT.glob("*/static")]:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    versions = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    digest.update("\n".join(versions).encode())
    return digest.hexdigest()


def static_file_like(static_root: Path, size: int) -> str:
    """The collected static file closest in size to a page, as served by whitenoise."""
    candidates = [
        path
        for path in static_root.rglob("*")
        if path.is_file()
        and path.suffix in (".css", ".js", ".svg", ".html", ".txt")
        and path.name != "staticfiles.json"
    ]
    best = min(candidates, key=lambda path: abs(path.stat().st_size - size))
    return "/static/" + best.relative_to(static_root).as_posix()


# --- the suite -------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1x,10x,100x")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers (default: gunicorn.conf.py's, WEB_CONCURRENCY or 2 x cores + 1)",
    )
    parser.add_argument("--reuse", action="store_true", help="reuse databases of an earlier run")
    parser.add_argument("--skip-report", action="store_true", help="skip bench/report.py")
    args = parser.parse_args()
    started = time.monotonic()
    sizes = [size.strip() for size in args.sizes.split(",") if size.strip()]
    OUT.mkdir(parents=True, exist_ok=True)
    for old_log in [*OUT.glob("access-*.log"), *OUT.glob("gunicorn-*.log")]:
        old_log.unlink()
    results: dict = {"machine": machine(), "sizes": {}, "workers": args.workers}
    log(f"machine: {results['machine']}")

    if not shutil.which("wrk"):
        sys.exit("wrk is missing: run scripts/install-system-deps.sh test")
    server_url = (
        os.environ.get("BENCH_DATABASE_URL")
        or subprocess.run(
            [str(ROOT / "scripts" / "pg.sh"), "start"], capture_output=True, text=True, check=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    static_root = OUT / "static"
    collect_static(production_env(database_url_for(server_url, "postgres"), static_root))
    static_url = None
    for size in sizes:
        url = build_database(server_url, size, str(static_root), args.reuse)
        env = production_env(url, static_root)
        entry = results["sizes"][size] = {"load": {}}
        entry["pages"] = run_json(env, "pages.py")
        entry["data"] = entry["pages"].pop("_data", {})
        entry["save"] = run_json(env, "save_entry.py")
        log(f"{size}: pages {summarise_pages(entry['pages'])}; save {entry['save']}")
        if static_url is None:
            plan_bytes = entry["pages"].get("plan", {}).get("bytes") or 20000
            static_url = static_file_like(static_root, plan_bytes)
            results["static_url"] = static_url
        urls = {name: page["url"] for name, page in entry["pages"].items() if page["status"] == 200}
        urls["static"] = static_url
        levels = [1, 10, 50] if size == "10x" else [1, 50]
        server = Server(env, args.workers, OUT)
        try:
            # Warm-up: every worker loads its URLconf, templates and static file index, and
            # fills its page cache.
            for path in urls.values():
                wrk(server.base + path, args.workers or 5, 2)
                server.settle(static_url)
            for name, path in urls.items():
                for connections in levels:
                    server.settle(static_url)
                    served, cpu = server.served(), server.cpu_snapshot()
                    figures = wrk(server.base + path, connections, args.duration)
                    # Served requests include those wrk left in flight; the settling requests
                    # (cheap static files) are left out.
                    probes = server.settle(static_url)
                    served = server.served() - served - probes
                    used = server.cpu_between(cpu, server.cpu_snapshot())
                    figures["cpu_ms"] = used * 1000 / max(served, 1)
                    figures["capacity"] = (
                        (os.cpu_count() or 1) * 1000 / max(figures["cpu_ms"], 0.01)
                    )
                    entry["load"].setdefault(name, {})[str(connections)] = figures
                    log(
                        f"{size} {name} c={connections}: {figures['rps']:.0f} req/s, "
                        f"p95 {figures['p95']:.1f} ms, errors {figures['errors']}, "
                        f"CPU {figures['cpu_ms']:.1f} ms/request, load {figures['load']}"
                    )
        finally:
            server.stop()
    if not args.skip_report:
        results["report"] = run_report()
    results["elapsed_s"] = round(time.monotonic() - started)
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    table = targets(results)
    print(table)
    (OUT / "results.md").write_text(table + "\n")
    log(f"written {OUT / 'results.json'} and {OUT / 'results.md'}")
    return 0


def summarise_pages(pages: dict) -> str:
    return ", ".join(
        f"{name} {page['status']}/{page['queries']}q/{page['p95']:.0f}ms"
        for name, page in pages.items()
    )


def run_report() -> dict:
    """The report benchmark of issue #4 (bench/report.py), on the demo report only: its own
    throw-away SQLite database, its own settings."""
    with tempfile.TemporaryDirectory(prefix="bench-report-") as directory:
        env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{directory}/report.sqlite3",
        }
        started = time.monotonic()
        result = subprocess.run(
            [PYTHON, str(ROOT / "bench" / "report.py"), "--factors", "1"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    log("report: " + " | ".join(lines[-6:]))
    return {
        "returncode": result.returncode,
        "seconds": round(time.monotonic() - started),
        "output": lines[-12:],
        "error": result.stderr[-1500:] if result.returncode else "",
    }


# --- the table -------------------------------------------------------------------------------
def mark(ok: bool | None) -> str:
    return "–" if ok is None else ("✓" if ok else "✗")


def targets(results: dict) -> str:
    sizes = results["sizes"]
    rows: list[tuple[str, str, str]] = []
    ten = sizes.get("10x")
    page_names = list(PAGES)
    if ten:
        # The ceiling is the best static-file run at 50 clients of any size: one run disturbed
        # by other work on the machine must not lower the bar the pages are measured against.
        static_runs = [
            run["load"]["static"]["50"]
            for run in sizes.values()
            if run.get("load", {}).get("static", {}).get("50")
        ]
        static = max(static_runs, key=lambda figures: figures["rps"], default=None)
        for name in page_names:
            page = ten["pages"][name]
            figures = ten["load"].get(name, {}).get("50")
            if figures is None:
                rows.append(
                    (
                        f"{name}: p95 ≤ 100 ms at 50 clients, 10x, 0 errors",
                        "–",
                        f"not available (HTTP {page['status']})",
                    )
                )
                rows.append((f"{name}: ≥ 50% of static req/s at 50 clients", "–", "not available"))
                continue
            ok = figures["p95"] <= P95_AT_50_MS and figures["errors"] == 0
            rows.append(
                (
                    f"{name}: p95 ≤ 100 ms at 50 clients, 10x, 0 errors",
                    mark(ok),
                    f"p95 {figures['p95']:.1f} ms, p99 {figures['p99']:.1f} ms, "
                    f"{figures['rps']:.0f} req/s, {figures['errors']} errors; "
                    f"CPU {figures['cpu_ms']:.1f} ms/request, so about "
                    f"{50 * figures['cpu_ms'] / (results['machine']['cpus'] or 1):.0f} ms "
                    "mean at 50 clients on idle cores",
                )
            )
            if static:
                share = figures["rps"] / static["rps"]
                rows.append(
                    (
                        f"{name}: ≥ 50% of static req/s at 50 clients",
                        mark(share >= CEILING_SHARE),
                        f"{figures['rps']:.0f} / {static['rps']:.0f} req/s = {share:.0%}; "
                        f"by CPU per request {static['cpu_ms']:.1f} / {figures['cpu_ms']:.1f} ms"
                        f" = {static['cpu_ms'] / max(figures['cpu_ms'], 0.01):.0%}",
                    )
                )
    one, hundred = sizes.get("1x"), sizes.get("100x")
    if one and hundred:
        for name in page_names:
            a, b = one["pages"][name], hundred["pages"][name]
            if a["status"] != 200 or b["status"] != 200:
                rows.append(
                    (
                        f"{name}: same queries and p95 ≤ 1.5x at 100x",
                        "–",
                        f"not available (HTTP {a['status']}/{b['status']})",
                    )
                )
                continue
            counts = [sizes[size]["pages"][name]["queries"] for size in sizes]
            same = len(set(counts)) == 1
            rows.append(
                (
                    f"{name}: same number of queries at every size",
                    mark(same),
                    " / ".join(
                        f"{size} {count}" for size, count in zip(sizes, counts, strict=True)
                    ),
                )
            )
            # As served (the load runs, caching included): what visitors get at each size.
            served_a = one["load"].get(name, {}).get("50")
            served_b = hundred["load"].get(name, {}).get("50")
            if served_a and served_b:
                ratio = served_b["p95"] / served_a["p95"]
                detail = (
                    f"served p95 at 50 clients {served_a['p95']:.1f} → {served_b['p95']:.1f} ms "
                    f"({ratio:.2f}x)"
                )
                quiet_a = one["load"][name].get("1")
                quiet_b = hundred["load"][name].get("1")
                if quiet_a and quiet_b:
                    detail += f"; at 1 client {quiet_a['p95']:.1f} → {quiet_b['p95']:.1f} ms"
                rows.append(
                    (f"{name}: p95 at 100x ≤ 1.5 × p95 at 1x", mark(ratio <= GROWTH), detail)
                )
            # A cache miss (the first request after a publish): reported, not a target.
            ratio = b["p95"] / a["p95"]
            detail = f"uncached render p95 {a['p95']:.1f} → {b['p95']:.1f} ms ({ratio:.2f}x)"
            if "cpu_p95" in a and "cpu_p95" in b:
                detail += (
                    f"; its CPU p95 {a['cpu_p95']:.1f} → {b['cpu_p95']:.1f} ms "
                    f"({b['cpu_p95'] / max(a['cpu_p95'], 0.01):.2f}x)"
                )
            rows.append((f"{name}: a cache miss at 100x vs 1x (no target)", "–", detail))
    for size in sizes:
        save = sizes[size].get("save")
        if save:
            rows.append(
                (
                    f"saving an entry at {size}: p95 ≤ 150 ms",
                    mark(save["p95"] <= SAVE_P95_MS),
                    f"p50 {save['p50']:.1f} ms, p95 {save['p95']:.1f} ms ({save['saves']} saves)",
                )
            )
    report = results.get("report")
    if report:
        rows.append(
            (
                "report (bench/report.py, demo 2021; targets in issue #4)",
                "✗" if report["returncode"] else "–",
                " ".join(report["output"][-1:]) or report["error"][-200:],
            )
        )
    rows.append(
        (
            "the suite runs in under 15 minutes",
            mark(results["elapsed_s"] < BUDGET_SECONDS),
            f"{results['elapsed_s'] // 60} min {results['elapsed_s'] % 60} s",
        )
    )
    width = max(len(row[0]) for row in rows)
    lines = [f"{'target'.ljust(width)}  ok  figures", "-" * (width + 40)]
    lines += [f"{target.ljust(width)}  {ok}   {figures}" for target, ok, figures in rows]
    lines.append("")
    lines.append(load_table(results))
    return "\n".join(lines)


def load_table(results: dict) -> str:
    lines = [
        "size  page            clients   req/s    p50 ms   p95 ms   p99 ms  errors  "
        "CPU ms/req  load"
    ]
    for size, entry in results["sizes"].items():
        for name, levels in entry["load"].items():
            for clients, f in levels.items():
                lines.append(
                    f"{size:<5} {name:<15} {clients:>7} {f['rps']:>7.0f} {f['p50']:>8.1f} "
                    f"{f['p95']:>8.1f} {f['p99']:>8.1f} {f['errors']:>7} "
                    f"{f.get('cpu_ms', float('nan')):>10.1f} {f['load']:>5}"
                )
    lines.append("")
    lines.append(
        "size  page            HTTP    bytes  queries  uncached render p50 / p95 ms"
        "  (CPU p50 / p95)"
    )
    for size, entry in results["sizes"].items():
        for name, page in entry["pages"].items():
            lines.append(
                f"{size:<5} {name:<15} {page['status']:>4} {page['bytes']:>8} "
                f"{page['queries']:>8}  {page['p50']:>8.1f} / {page['p95']:.1f}"
                + (
                    f"  ({page['cpu_p50']:.1f} / {page['cpu_p95']:.1f})"
                    if "cpu_p50" in page
                    else ""
                )
            )
    for size, entry in results["sizes"].items():
        save = entry.get("save")
        if save:
            lines.append(
                f"{size}: saving an entry p50 {save['p50']:.1f} ms, p95 {save['p95']:.1f} ms, "
                f"{save['queries']} queries per save"
            )
    for size, entry in results["sizes"].items():
        data = entry.get("data") or {}
        if data:
            lines.append(f"{size}: " + ", ".join(f"{k} {v}" for k, v in data.items()))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
