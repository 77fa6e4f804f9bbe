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
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 25


@pytest.fixture
def api_schema(demo, settings):
    # No throttling here: Schemathesis sends far more requests than a client may.
    settings.API_ANON_THROTTLE_RATE = ""
    cache.clear()
    from napportal.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


def operations(api_schema):
    return [result.ok() for result in api_schema.get_all_operations()]


def test_schema_has_every_endpoint(api_schema):
    paths = {operation.path for operation in operations(api_schema)}
    for name in ("plans", "goals", "subgoals", "indicators", "organisations", "entries"):
        assert f"/api/{name}/" in paths
    assert "/api/entries/{id}/" in paths


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_conforms_to_the_schema(api_schema, mode):
    failures = []
    for operation in operations(api_schema):

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
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
