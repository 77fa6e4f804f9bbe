"""/health/ (database, cache, worker queue) and the 503 page while the database is down."""

import datetime as dt
import json

import pytest
from django.apps import apps
from django.db import OperationalError, connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from operations.health import queue_backlog
from reports.models import ReportJob
from tests.factories import RoundFactory

pytestmark = pytest.mark.django_db

# A Redis URL on a loopback port where nothing listens: the cache fails at once.
DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture
def database_down(monkeypatch):
    """Every new cursor fails as it does when PostgreSQL is stopped."""

    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "db" failed: Connection refused')

    monkeypatch.setattr(connection, "cursor", refuse)
    monkeypatch.setattr(connection, "chunked_cursor", refuse)


def get_health(client):
    response = client.get("/health/")
    assert response["Content-Type"] == "application/json"
    return response, json.loads(response.content)


def queue_job(*, minutes_ago: int) -> ReportJob:
    """A report job whose task has been waiting for the worker for `minutes_ago` minutes."""
    job = ReportJob.objects.create(
        round=RoundFactory(), format="pdf", layout="organisation", language="en"
    )
    ReportJob.objects.filter(pk=job.pk).update(created_at=minutes_before(minutes_ago))
    if apps.is_installed("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        from reports.tasks import run_report_job

        result = run_report_job.enqueue(job.pk)
        DBTaskResult.objects.filter(id=result.id).update(enqueued_at=minutes_before(minutes_ago))
    return job


def minutes_before(minutes: int):
    return timezone.now() - dt.timedelta(minutes=minutes)


def test_health_is_ok_when_everything_works(client):
    response, body = get_health(client)

    assert response.status_code == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "queue"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["queue"]["waiting"] == 0


def test_health_has_no_language_prefix_and_is_never_cached(client):
    assert reverse("health") == "/health/"
    response = client.get("/health/")
    assert "no-store" in response["Cache-Control"]
    assert client.post("/health/").status_code == 405


def test_health_fails_when_the_database_is_down(client, database_down):
    response, body = get_health(client)

    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError",
        "ms": body["checks"]["database"]["ms"],
    }
    assert body["checks"]["queue"]["ok"] is False
    # The error's message (with the host name) is not shown.
    assert b"Connection refused" not in response.content
    assert b'"db"' not in response.content


@override_settings(CACHES=DEAD_REDIS)
def test_health_fails_when_the_cache_is_down(client):
    response, body = get_health(client)

    assert response.status_code == 503
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["cache"]["error"] == "ConnectionError"
    assert body["checks"]["database"]["ok"] is True
    assert b"127.0.0.1" not in response.content


def test_health_fails_when_a_task_waits_too_long(client, settings):
    settings.HEALTH_QUEUE_MAX_WAIT = 600
    queue_job(minutes_ago=2)
    response, body = get_health(client)
    assert response.status_code == 200
    assert body["checks"]["queue"]["waiting"] == 1

    queue_job(minutes_ago=30)
    response, body = get_health(client)
    assert response.status_code == 503
    queue = body["checks"]["queue"]
    assert queue["ok"] is False
    assert queue["waiting"] == 2
    assert queue["oldest_wait_seconds"] >= 30 * 60


def test_finished_tasks_do_not_count_as_waiting():
    queue_job(minutes_ago=120)
    assert queue_backlog()[0] == 1
    if apps.is_installed("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.update(status="SUCCESSFUL")
    else:
        ReportJob.objects.update(status=ReportJob.Status.DONE)
    assert queue_backlog() == (0, None)


def test_a_task_deferred_to_later_waits_from_its_run_after_time():
    if not apps.is_installed("django_tasks_db"):
        pytest.skip("django-tasks' database backend is not installed")
    from django_tasks_db.models import DBTaskResult

    queue_job(minutes_ago=120)
    DBTaskResult.objects.update(run_after=minutes_before(5))
    waiting, wait = queue_backlog()
    assert waiting == 1
    assert 4 * 60 < wait < 6 * 60


def test_health_reveals_no_configuration(client, settings):
    response = client.get("/health/")
    content = response.content.decode()
    database = settings.DATABASES["default"]
    for secret in (settings.SECRET_KEY, database.get("PASSWORD"), database.get("HOST")):
        if secret:
            assert secret not in content


def test_a_page_answers_503_with_retry_after_while_the_database_is_down(client, database_down):
    response = client.get("/en/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    content = response.content.decode()
    assert '<html lang="en">' in content
    assert "The portal is temporarily unavailable" in content
    assert "Connection refused" not in content


def test_the_503_page_is_translated(client, database_down):
    response = client.get("/nl/")
    assert response.status_code == 503
    assert '<html lang="nl">' in response.content.decode()


def test_an_outage_met_in_a_middleware_also_gives_the_503_page(client, django_user_model):
    """A signed-in user's session is read by a middleware, before any view: handler500 turns
    that database error into the 503 page too."""
    user = django_user_model.objects.create_user("reader", password="a-long-password-1")
    client.force_login(user)
    client = Client(raise_request_exception=False, HTTP_COOKIE=client.cookies.output(header=""))

    def refuse(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    original = connection.cursor
    connection.cursor = refuse
    try:
        response = client.get("/en/")
    finally:
        connection.cursor = original

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "temporarily unavailable" in response.content.decode()


def test_a_load_balancer_can_ask_for_database_and_cache_only(client, settings):
    """A queue backlog is the worker's problem: the web containers stay in service."""
    settings.HEALTH_QUEUE_MAX_WAIT = 60
    queue_job(minutes_ago=30)
    assert client.get("/health/").status_code == 503

    response = client.get("/health/?check=database&check=cache")

    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database", "cache"}


def test_the_container_health_check_sends_an_allowed_host():
    from operations.healthcheck import host_header

    assert host_header("nap1325.example.org,www.example.org") == "nap1325.example.org"
    assert host_header("*, .example.org") == "example.org"
    assert host_header("") == "localhost"
