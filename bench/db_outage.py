"""Database outage drill: the portal under gunicorn while its PostgreSQL stops and starts.

    .venv/bin/python bench/db_outage.py [--outage-seconds 15] [--recover-within 10]

It starts its own throw-away PostgreSQL cluster (scripts/pg.sh with its own directory and
port, so it never touches the test suite's server), loads the demo data, runs the portal under
gunicorn with production settings (DEBUG off, persistent connections; only static files unhashed) on
127.0.0.1, and then:

1. requests /health/ and a few pages: all 200;
2. stops PostgreSQL (`pg_ctl stop -m fast`, through scripts/pg.sh stop) and keeps requesting
   for --outage-seconds, longer than gunicorn's worker timeout: every answer must be a 503 (the
   JSON health report, or the friendly page with Retry-After) within 2 seconds;
3. starts PostgreSQL again: /health/ and the pages must answer 200 within --recover-within
   seconds, without restarting anything;
4. checks gunicorn's log: no "WORKER TIMEOUT", no worker booted beyond the first ones.

Exit status 0 when every check passed; it prints one line per check and a summary. It is the
`db-outage` stage of `make test` (scripts/test-all.sh).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
FAST = 2.0  # seconds: the most an answer may take while the database is down
STAMP_TTL = 2  # PUBLIC_STAMP_TTL of the portal under test (set in portal_env)
WORKERS = 2
WORKER_TIMEOUT = 10  # gunicorn --timeout for the drill: shorter than the outage


@dataclass
class Results:
    passed: int = 0
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, message: str) -> bool:
        print(("  ok    " if ok else "  FAIL  ") + message, flush=True)
        if ok:
            self.passed += 1
        else:
            self.failures.append(message)
        return ok


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 10.0) -> tuple[int, float, dict, str]:
    """(status, seconds, headers, body) of a GET; status 0 when nothing answered."""
    start = time.monotonic()
    request = urllib.request.Request(url, headers={"Accept-Language": "en"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read().decode("utf-8", "replace")
            status, headers = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        body = error.read().decode("utf-8", "replace")
        status, headers = error.code, dict(error.headers)
    except (urllib.error.URLError, OSError):
        return 0, time.monotonic() - start, {}, ""
    return status, time.monotonic() - start, headers, body


class Cluster:
    """A private PostgreSQL through scripts/pg.sh (its own state directory and port)."""

    def __init__(self, state: Path, port: int):
        self.env = {
            **os.environ,
            "PG_STATE_DIR": str(state),
            "PG_PORT": str(port),
            "PG_DBNAME": "napportal_outage",
        }

    def _pg(self, action: str) -> str:
        result = subprocess.run(
            [str(ROOT / "scripts" / "pg.sh"), action],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"scripts/pg.sh {action} failed:\n{result.stderr}")
        return result.stdout.strip()

    def start(self) -> str:
        return self._pg("start")

    def stop(self) -> None:
        self._pg("stop")

    def destroy(self) -> None:
        subprocess.run(
            [str(ROOT / "scripts" / "pg.sh"), "destroy"],
            env=self.env,
            capture_output=True,
            check=False,
        )


def portal_env(database_url: str, workdir: Path, port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    # The production settings, but static files unhashed: the drill requests no static file,
    # and collectstatic with compression would take minutes on a busy CI machine.
    (workdir / "outage_settings.py").write_text(
        "from napportal.settings import *  # noqa: F403\n"
        "STORAGES = {**STORAGES, 'staticfiles': {'BACKEND': "
        "'django.contrib.staticfiles.storage.StaticFilesStorage'}}\n"
    )
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(workdir), env.get("PYTHONPATH")]))
    env.update(
        DJANGO_SETTINGS_MODULE="outage_settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="60",
        DATABASE_CONNECT_TIMEOUT="2",
        PUBLIC_STAMP_TTL=str(STAMP_TTL),
        # Plain HTTP on loopback: no TLS proxy in front in this drill.
        SECURE_SSL_REDIRECT="false",
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        LOG_LEVEL="WARNING",
        # The demo's publication queues a report job that no worker runs here: the drill is
        # about the database, not the queue.
        HEALTH_QUEUE_MAX_WAIT="86400",
        WEB_CONCURRENCY=str(WORKERS),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_TIMEOUT=str(WORKER_TIMEOUT),
        GUNICORN_MAX_REQUESTS="0",
        GUNICORN_ACCESS_LOG=str(workdir / "access.log"),
        GUNICORN_ERROR_LOG=str(workdir / "gunicorn.log"),
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    start = time.monotonic()
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    print(f"  manage.py {args[0]}: {time.monotonic() - start:.1f}s", flush=True)
    return result.stdout


def wait_for(url: str, status: int, within: float) -> float | None:
    """Seconds until url answered `status`, or None when it did not within `within`."""
    start = time.monotonic()
    got, body = 0, ""
    while time.monotonic() - start < within:
        got, _, _, body = get(url, timeout=5)
        if got == status:
            return time.monotonic() - start
        time.sleep(0.25)
    print(f"  {url} still answers {got}: {body[:300]}", flush=True)
    return None


def drill(args) -> Results:
    results = Results()
    if not GUNICORN.exists():
        raise RuntimeError(f"{GUNICORN} is missing: pip install -e '.[dev]' (or '.[prod]')")
    workdir = Path(tempfile.mkdtemp(prefix="napportal-outage-"))
    # As root, pg.sh runs PostgreSQL as `postgres`, which must reach the state directory.
    workdir.chmod(0o755)
    cluster = Cluster(workdir / "pg", free_port())
    web_port = free_port()
    base = f"http://127.0.0.1:{web_port}"
    gunicorn = None
    try:
        print("Starting a private PostgreSQL cluster ...", flush=True)
        database_url = cluster.start()
        env = portal_env(database_url, workdir, web_port)
        print("Migrating and loading the demo data ...", flush=True)
        manage(env, "migrate", "--no-input", "--verbosity", "0")
        manage(env, "load_demo", "--verbosity", "0")
        slug = (
            manage(
                env,
                "shell",
                "--verbosity",
                "0",
                "-c",
                "from indicators.models import Plan; print(Plan.objects.order_by('pk')[0].slug)",
            )
            .strip()
            .splitlines()[-1]
        )
        pages = ["/nl/", f"/en/plans/{slug}/", "/fr/organisations/"]

        print(f"Starting gunicorn on {base} ({WORKERS} workers) ...", flush=True)
        gunicorn = subprocess.Popen(
            [str(GUNICORN), "napportal.wsgi", "--config", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started = wait_for(f"{base}/health/", 200, within=60)
        if not results.check(started is not None, "the portal starts and /health/ answers 200"):
            return results

        print("Database up:", flush=True)
        before = {}
        for path in ["/health/", *pages]:
            status, seconds, _, before[path] = get(base + path)
            results.check(status == 200, f"GET {path}: {status} in {seconds:.2f}s (want 200)")

        print(f"Stopping PostgreSQL for {args.outage_seconds}s:", flush=True)
        cluster.stop()
        stopped = time.monotonic()
        outage_end = stopped + args.outage_seconds
        slowest, count, wrong, from_cache = 0.0, 0, [], 0
        friendly = retry_after = True
        while time.monotonic() < outage_end:
            for path in ["/health/", *pages]:
                status, seconds, headers, body = get(base + path)
                count += 1
                slowest = max(slowest, seconds)
                # A cached public page may still be served while its process remembers the
                # publication stamp (PUBLIC_STAMP_TTL): the same page as before, not an error.
                if (
                    status == 200
                    and path != "/health/"
                    and body == before[path]
                    and time.monotonic() - stopped < STAMP_TTL + 1
                ):
                    from_cache += 1
                    continue
                if status != 503:
                    wrong.append(f"{path} -> {status}")
                elif path != "/health/":
                    # The page's marker, not its words: /nl/ and /fr/ pages are translated.
                    friendly &= 'data-page="unavailable"' in body
                    retry_after &= headers.get("Retry-After", "").isdigit()
        results.check(
            not wrong,
            f"{count} requests during the outage answered 503, or in the first {STAMP_TTL} s "
            f"the cached page ({from_cache}) {wrong[:3]}",
        )
        results.check(slowest < FAST, f"the slowest answer took {slowest:.2f}s (want < {FAST}s)")
        results.check(friendly, "pages show the friendly 'temporarily unavailable' page")
        results.check(retry_after, "503 pages carry Retry-After")

        print("Starting PostgreSQL again:", flush=True)
        cluster.start()
        recovered = wait_for(f"{base}/health/", 200, within=args.recover_within)
        results.check(
            recovered is not None,
            f"/health/ answered 200 again after {recovered or 0:.2f}s "
            f"(want within {args.recover_within}s)",
        )
        for path in pages:
            status, seconds, _, _ = get(base + path)
            results.check(status == 200, f"GET {path}: {status} in {seconds:.2f}s (want 200)")
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        cluster.destroy()
        log_path = workdir / "gunicorn.log"
        log = log_path.read_text() if log_path.exists() else ""
        if gunicorn is not None:
            results.check("WORKER TIMEOUT" not in log, "no gunicorn worker was killed (timeout)")
            booted = log.count("Booting worker")
            results.check(
                booted == WORKERS, f"{booted} workers booted in all (want {WORKERS}: no restarts)"
            )
        if results.failures and log:
            print("--- gunicorn log (last 40 lines) ---")
            print("\n".join(log.splitlines()[-40:]))
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outage-seconds", type=float, default=WORKER_TIMEOUT + 5)
    parser.add_argument("--recover-within", type=float, default=10.0)
    args = parser.parse_args()
    try:
        results = drill(args)
    except RuntimeError as error:
        print(f"db-outage: error: {error}", file=sys.stderr)
        return 1
    print(f"db-outage: {results.passed} passed, {len(results.failures)} failed")
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
