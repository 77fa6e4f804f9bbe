"""The deployment that scales out: docker-compose.yml, .env.example, gunicorn.conf.py, the
database and cache settings and the read-replica router.

`docker compose config` cannot run in CI (no Docker), so the compose file is checked as YAML
for what the deployment guide promises.
"""

import re
import runpy
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve

from accounts.models import User
from indicators.models import Plan
from operations import routers
from operations.dbconfig import cache_config, database_config
from operations.routers import ReplicaReadsMiddleware, ReplicaRouter, public_reads
from reporting.models import ProgressEntry

ROOT = Path(settings.BASE_DIR)


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def env_example():
    return (ROOT / ".env.example").read_text()


# --- docker-compose.yml ------------------------------------------------------------------------


def test_compose_has_database_cache_web_and_migrations(compose):
    services = compose["services"]
    assert {"db", "redis", "migrate", "web"} <= set(services)
    assert services["db"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:")


def test_every_long_running_service_has_a_health_check(compose):
    for name, service in compose["services"].items():
        if service.get("restart") == "unless-stopped" and name != "worker":
            assert "healthcheck" in service, name
            assert service["healthcheck"]["test"], name
    assert compose["services"]["web"]["healthcheck"]["test"][-1] == "operations.healthcheck"


def test_web_waits_for_database_cache_and_migrations(compose):
    depends = compose["services"]["web"]["depends_on"]
    assert depends["db"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    # Several web containers must not migrate at the same time: only `migrate` does.
    assert "migrate" not in " ".join(compose["services"]["web"]["command"])
    assert "migrate" in compose["services"]["migrate"]["command"]


def test_web_runs_gunicorn_with_the_config_file_and_the_shared_cache(compose):
    web = compose["services"]["web"]
    assert web["command"][:2] == ["gunicorn", "napportal.wsgi"]
    assert "gunicorn.conf.py" in web["command"]
    assert web["environment"]["CACHE_URL"].endswith("redis://redis:6379/0}")
    assert web["env_file"] == ".env"
    assert "media:/app/media" in web["volumes"]


def test_compose_holds_no_secret_and_publishes_only_on_loopback(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    assert "${POSTGRES_PASSWORD:?" in text
    assert "change-me" not in text
    for service in compose["services"].values():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), port


def test_the_worker_uses_the_web_image_and_configuration(compose):
    worker = compose["services"].get("worker")
    if worker is None:
        pytest.skip("no worker service in docker-compose.yml yet")
    web = compose["services"]["web"]
    assert worker.get("image") == web["image"]
    assert worker.get("env_file") == web["env_file"]


def test_the_image_has_the_postgresql_client_for_backups():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "postgresql-client-15" in dockerfile
    assert "gunicorn.conf.py" in dockerfile


# --- .env.example --------------------------------------------------------------------------------

ENV_CALL = re.compile(r"""env_(?:str|bool|int|list)\(\s*["']([A-Z][A-Z0-9_]*)["']""")
ENVIRON_CALL = re.compile(r"""os\.environ(?:\.get)?[\(\[]\s*["']([A-Z][A-Z0-9_]*)["']""")
GUNICORN_CALL = re.compile(r"""_int\(\s*["']([A-Z][A-Z0-9_]*)["']""")
COMPOSE_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")
# Set by the platform or the image, not by an operator.
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE", "PG_BINDIR", "HEALTHCHECK_PORT"}


def configuration_variables() -> set[str]:
    names = set()
    settings_text = (ROOT / "napportal" / "settings.py").read_text()
    names |= set(ENV_CALL.findall(settings_text)) | set(ENVIRON_CALL.findall(settings_text))
    gunicorn_text = (ROOT / "gunicorn.conf.py").read_text()
    names |= set(GUNICORN_CALL.findall(gunicorn_text)) | set(ENVIRON_CALL.findall(gunicorn_text))
    names |= set(COMPOSE_VARIABLE.findall((ROOT / "docker-compose.yml").read_text()))
    return names - NOT_CONFIGURATION


def test_env_example_documents_every_variable(env_example):
    names = configuration_variables()
    assert {"DATABASE_URL", "CACHE_URL", "DATABASE_POOL_MAX", "WEB_CONCURRENCY"} <= names
    undocumented = sorted(name for name in names if not re.search(rf"\b{name}=", env_example))
    assert not undocumented, f"not in .env.example: {undocumented}"


# --- gunicorn.conf.py ----------------------------------------------------------------------------


def load_gunicorn_config(monkeypatch, **env):
    for name in ("WEB_CONCURRENCY", "WEB_THREADS", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_sizes_workers_to_the_cores(monkeypatch):
    import os

    config = load_gunicorn_config(monkeypatch)
    assert config["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert config["worker_class"] == "sync"
    assert load_gunicorn_config(monkeypatch, WEB_CONCURRENCY="5")["workers"] == 5


def test_gunicorn_threads_switch_to_threaded_workers(monkeypatch):
    config = load_gunicorn_config(monkeypatch, WEB_THREADS="4")
    assert config["threads"] == 4
    assert config["worker_class"] == "gthread"


def test_database_waits_end_long_before_gunicorn_kills_a_worker(monkeypatch):
    config = load_gunicorn_config(monkeypatch)
    database = database_config("postgres://u@db:5432/napportal", pool_max=4)
    assert database["OPTIONS"]["connect_timeout"] * 3 < config["timeout"]
    assert database["OPTIONS"]["pool"]["timeout"] * 3 < config["timeout"]


# --- database and cache settings -------------------------------------------------------------


def test_postgresql_gets_a_short_connect_timeout_and_persistent_connections():
    config = database_config(
        "postgres://portal:secret@db:5432/napportal", conn_max_age=60, connect_timeout=2
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["OPTIONS"]["connect_timeout"] == 2
    assert config["CONN_MAX_AGE"] == 60
    assert config["CONN_HEALTH_CHECKS"] is True
    assert "pool" not in config["OPTIONS"]


def test_a_pool_replaces_persistent_connections():
    config = database_config(
        "postgres://portal@db:5432/napportal", conn_max_age=60, pool_min=1, pool_max=4
    )
    pool = config["OPTIONS"]["pool"]
    assert (pool["min_size"], pool["max_size"]) == (1, 4)
    assert pool["timeout"] == 3
    # Django then has the pool check every connection before handing it out.
    assert config["CONN_HEALTH_CHECKS"] is True
    # Django refuses persistent connections next to a pool.
    assert config["CONN_MAX_AGE"] == 0


def test_a_statement_timeout_is_passed_to_postgresql():
    config = database_config("postgres://u@db:5432/napportal", statement_timeout_ms=30000)
    assert config["OPTIONS"]["options"] == "-c statement_timeout=30000"
    assert "options" not in database_config("postgres://u@db:5432/napportal")["OPTIONS"]


def test_web_queries_end_before_gunicorn_kills_the_worker(compose, monkeypatch):
    variable = compose["services"]["web"]["environment"]["DATABASE_STATEMENT_TIMEOUT"]
    milliseconds = int(re.search(r":-(\d+)\}", variable).group(1))
    assert 0 < milliseconds / 1000 < load_gunicorn_config(monkeypatch)["timeout"]


def test_sqlite_has_no_postgresql_options():
    config = database_config("sqlite:////tmp/x.sqlite3", conn_max_age=60)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert "connect_timeout" not in config.get("OPTIONS", {})


def test_the_cache_is_redis_when_configured_and_local_memory_otherwise():
    assert cache_config("")["BACKEND"].endswith("LocMemCache")
    redis = cache_config("redis://redis:6379/0")
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["LOCATION"] == "redis://redis:6379/0"
    assert redis["OPTIONS"]["socket_connect_timeout"] <= 2


# --- read replica router ---------------------------------------------------------------------


@pytest.fixture
def replica(monkeypatch):
    monkeypatch.setattr(routers, "replica_configured", lambda: True)


def test_without_a_replica_everything_reads_the_primary():
    with public_reads():
        assert ReplicaRouter().db_for_read(Plan) == "default"


def test_public_reads_of_published_data_go_to_the_replica(replica):
    router = ReplicaRouter()
    assert router.db_for_read(Plan) == "default"
    with public_reads():
        assert router.db_for_read(Plan) == "replica"
        assert router.db_for_read(ProgressEntry) == "replica"
        # Users and sessions: written a moment ago on the primary, maybe not yet replicated.
        assert router.db_for_read(User) == "default"
    assert router.db_for_read(Plan) == "default"


def test_reads_in_a_transaction_and_all_writes_use_the_primary(replica, monkeypatch):
    router = ReplicaRouter()
    with public_reads():
        assert router.db_for_write(Plan) == "default"
        monkeypatch.setattr(connection, "in_atomic_block", True)
        assert router.db_for_read(Plan) == "default"


def test_migrations_run_on_the_primary_only():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "indicators")
    assert not router.allow_migrate("replica", "indicators")


def run_through_middleware(request):
    seen = {}

    def get_response(request):
        match = resolve(request.path)
        request.resolver_match = match
        middleware.process_view(request, match.func, match.args, match.kwargs)
        seen["public_read"] = routers._public_read.get()
        return HttpResponse()

    middleware = ReplicaReadsMiddleware(get_response)
    middleware(request)
    assert routers._public_read.get() is False, "the mark outlived the request"
    return seen["public_read"]


def test_the_middleware_marks_public_get_requests_only(replica):
    factory = RequestFactory()
    assert run_through_middleware(factory.get("/en/")) is True
    assert run_through_middleware(factory.head("/en/organisations/")) is True
    assert run_through_middleware(factory.post("/en/")) is False
    assert run_through_middleware(factory.get("/en/report/")) is False
    assert run_through_middleware(factory.get("/en/coordination/")) is False


def test_the_middleware_marks_nothing_without_a_replica():
    assert run_through_middleware(RequestFactory().get("/en/")) is False


@pytest.mark.django_db
def test_the_pool_settings_work_with_a_real_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (make test-postgres)")
    from django.db.utils import ConnectionHandler

    current = connection.settings_dict
    url = (
        f"postgres://{current['USER']}:{current['PASSWORD'] or ''}@{current['HOST']}:"
        f"{current['PORT']}/{current['NAME']}"
    )
    pooled_settings = database_config(url, pool_min=1, pool_max=2, statement_timeout_ms=1234)
    handler = ConnectionHandler({"default": pooled_settings, "pooled": pooled_settings})
    pooled = handler["pooled"]
    try:
        with pooled.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone() == ("1234ms",)
        assert pooled.pool is not None
        assert pooled.pool.max_size == 2
    finally:
        pooled.close()
        pooled.close_pool()
