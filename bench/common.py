"""Shared pieces of the bench/ scripts: the production environment, databases, percentiles."""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
if not Path(PYTHON).exists():
    PYTHON = sys.executable

# The demo plan is measured at every data size; synthetic plans are added around it.
PLAN = "nl-nap-iv"
PAGES = {
    "home": "/en/",
    "plan": f"/en/plans/{PLAN}/",
    "indicator": f"/en/plans/{PLAN}/indicators/1.b/",
    "entries": f"/en/entries/?plan={PLAN}&year=2021",
    "api entries": "/api/entries/",
    "api indicators": "/api/indicators/",
}
# Data sizes: the demo alone, and the demo with synthetic plans giving about 10x and 100x its
# progress entries (51 in the demo; each synthetic plan-year has about 47).
SIZES = {
    "1x": None,
    "10x": {"plans": 2, "years": 5},
    "100x": {"plans": 22, "years": 5},
}


def production_env(database_url: str, static_root: str | Path, **extra: str) -> dict[str, str]:
    """Settings as in production (.env.example): DEBUG off, a secret key, persistent database
    connections, JSON logs, HTTPS behind a proxy that sets X-Forwarded-Proto."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CACHE_", "REDIS_", "SECURE_", "STATIC_"))
        and key not in ("DEBUG", "ALLOWED_HOSTS", "SECRET_KEY", "PUBLIC_PAGE_CACHE_TIMEOUT")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="napportal.settings",
        DEBUG="0",
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="60",
        STATIC_ROOT=str(static_root),
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        # One client address sends everything here; the per-address API limit would turn the
        # load test into a test of the throttle.
        API_ANON_THROTTLE_RATE="",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, quiet: bool = True) -> str:
    result = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({result.returncode})")
    return result.stdout


def run_json(env: dict[str, str], script: str, *args: str) -> dict:
    """Run a bench script in a subprocess with `env`; it prints one `BENCH_JSON {...}` line."""
    result = subprocess.run(
        [PYTHON, str(ROOT / "bench" / script), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON ") :])
    sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
    raise RuntimeError(f"bench/{script} printed no result ({result.returncode})")


def emit(data) -> None:
    print("BENCH_JSON " + json.dumps(data), flush=True)


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]


def pg_admin_url(database_url: str) -> str:
    base, _slash, _name = database_url.rpartition("/")
    return f"{base}/postgres"


def recreate_database(server_url: str, name: str) -> str:
    """Drop and create database `name` on the PostgreSQL server of `server_url`."""
    import psycopg

    with psycopg.connect(pg_admin_url(server_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return database_url_for(server_url, name)


def database_exists(server_url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(pg_admin_url(server_url), autocommit=True) as connection:
        row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def database_url_for(server_url: str, name: str) -> str:
    base, _slash, _name = server_url.rpartition("/")
    return f"{base}/{name}"
