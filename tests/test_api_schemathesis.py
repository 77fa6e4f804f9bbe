"""Schemathesis against the API's own OpenAPI schema, in process (WSGI), on the demo data.

Every operation gets generated requests, valid ones (positive) and invalid ones (negative), and
every response goes through all of Schemathesis' checks: no server error, status code, content
type, headers and body as documented, invalid input rejected, valid input accepted. The example
count is bounded so the run stays well under two minutes on SQLite and on PostgreSQL.

(Schemathesis' own pytest plugin, `schemathesis.pytest.from_fixture`, does not work with
pytest 9 yet, so the operations are walked here with plain Hypothesis.)
"""

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 20


@pytest.fixture
def api_schema(demo, settings):
    # No throttling here: Schemathesis sends far more requests than a client may.
    settings.API_ANON_THROTTLE_RATE = ""
    cache.clear()
    # The WSGI handler closes the database connection at the end of each request, which on
    # PostgreSQL would throw away the test's transaction (the demo data); Django's own test
    # client switches this off the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    from napportal.wsgi import application

    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_every_operation_conforms_to_the_schema(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    paths = {operation.path for operation in operations}
    for name in ("plans", "goals", "subgoals", "indicators", "organisations", "entries"):
        assert f"/api/{name}/" in paths
    assert "/api/entries/{id}/" in paths

    failures = []
    for operation, mode in (
        (operation, mode)
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate()

        try:
            check()
        except Exception as exc:  # collect every failing operation, then report them all
            failures.append(f"{operation.method.upper()} {operation.path} ({mode}): {exc}")
    assert not failures, "\n\n".join(failures)
