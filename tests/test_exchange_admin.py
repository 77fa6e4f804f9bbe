"""Import pages and export actions in the admin."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exchange.admin import PlanExchangeMixin, ProgressExchangeMixin
from exchange.plans import import_plan
from exchange.progress import import_progress
from indicators.models import Plan
from reporting.models import ProgressEntry
from tests.factories import UserFactory
from tests.test_exchange_support import (
    BELGIAN_PLAN,
    BELGIAN_PROGRESS,
    BELGIAN_SLUG,
    capture,
    csv_bytes,
    full_dump,
    make_belgian_round,
    read_rows,
    row_number,
    write_queries,
)

pytestmark = pytest.mark.django_db

PLAN_IMPORT = "admin:indicators_plan_import"
PROGRESS_IMPORT = "admin:reporting_progressentry_import"


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def upload(content: bytes, name="plan.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def bad_plan_file():
    columns, rows = read_rows()
    row = row_number(rows, type="indicator", indicator="1.2")
    rows[row - 2]["baseline"] = "about forty"
    rows.append(
        {
            "type": "indicator",
            "plan_slug": BELGIAN_SLUG,
            "goal": "7",
            "indicator": "7.1",
            "kind": "count",
            "text_fr": "x",
        }
    )
    return csv_bytes(columns, rows), [(row, "baseline"), (len(rows) + 1, "goal")]


def test_changelists_link_to_the_import_pages(superuser_client):
    for changelist, url in [
        ("admin:indicators_plan_changelist", PLAN_IMPORT),
        ("admin:reporting_progressentry_changelist", PROGRESS_IMPORT),
    ]:
        response = superuser_client.get(reverse(changelist))
        assert response.status_code == 200
        assert reverse(url) in response.content.decode()


def test_import_page_shows_the_upload_form(superuser_client):
    response = superuser_client.get(reverse(PLAN_IMPORT))

    assert response.status_code == 200
    assert b'type="file"' in response.content
    assert b"plan_slug" in response.content  # the required columns are listed


def test_superuser_imports_a_plan_and_is_told_the_counts(superuser_client):
    response = superuser_client.post(
        reverse(PLAN_IMPORT), {"file": upload(BELGIAN_PLAN.read_bytes(), BELGIAN_PLAN.name)}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:indicators_plan_changelist")
    plan = Plan.objects.get(slug=BELGIAN_SLUG)
    assert plan.goals.count() == 6
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"{BELGIAN_PLAN.name}: 39 created, 0 updated, 0 unchanged."
    ]


def test_bad_file_shows_every_problem_and_writes_nothing(superuser_client):
    import_plan(BELGIAN_PLAN.read_bytes(), BELGIAN_PLAN.name)
    content, expected = bad_plan_file()
    before = full_dump()

    response = superuser_client.post(reverse(PLAN_IMPORT), {"file": upload(content)})

    assert response.status_code == 200
    assert full_dump() == before
    assert [(p.row, p.column) for p in response.context["problems"]] == expected
    html = response.content.decode()
    assert 'id="import-problems"' in html
    assert "about forty" in html
    assert "Unknown goal 7" in html


def test_dry_run_reports_but_writes_nothing(superuser_client):
    before = full_dump()

    response = superuser_client.post(
        reverse(PLAN_IMPORT), {"file": upload(BELGIAN_PLAN.read_bytes()), "dry_run": "on"}
    )

    assert response.status_code == 200
    assert full_dump() == before
    assert "Dry run" in next(str(m) for m in get_messages(response.wsgi_request))


def test_empty_upload_is_refused(superuser_client):
    response = superuser_client.post(reverse(PLAN_IMPORT), {"file": upload(b"", "empty.csv")})
    assert response.status_code == 200
    assert not Plan.objects.exists()


def test_non_staff_user_is_sent_to_the_login_page(client):
    client.force_login(UserFactory(username="visitor"))
    before = full_dump()

    responses = [
        client.get(reverse(PLAN_IMPORT)),
        client.post(reverse(PLAN_IMPORT), {"file": upload(BELGIAN_PLAN.read_bytes())}),
    ]
    for response in responses:
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
    assert full_dump() == before


def test_anonymous_user_is_sent_to_the_login_page(client):
    response = client.post(reverse(PROGRESS_IMPORT), {"file": upload(b"x")})
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_staff_without_import_permissions_gets_403(client):
    user = UserFactory(username="clerk", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_plan", "change_plan"]))
    client.force_login(user)
    before = full_dump()

    get = client.get(reverse(PLAN_IMPORT))
    post = client.post(reverse(PLAN_IMPORT), {"file": upload(BELGIAN_PLAN.read_bytes())})
    changelist = client.get(reverse("admin:indicators_plan_changelist"))

    assert (get.status_code, post.status_code) == (403, 403)
    assert full_dump() == before
    assert changelist.status_code == 200
    assert reverse(PLAN_IMPORT) not in changelist.content.decode()


@pytest.mark.parametrize(
    ("mixin", "url", "content", "name"),
    [
        (PlanExchangeMixin, PLAN_IMPORT, BELGIAN_PLAN, "plan"),
        (ProgressExchangeMixin, PROGRESS_IMPORT, BELGIAN_PROGRESS, "progress"),
    ],
)
def test_staff_with_the_listed_permissions_may_import(client, mixin, url, content, name):
    if name == "progress":
        import_plan(BELGIAN_PLAN.read_bytes(), BELGIAN_PLAN.name)
        make_belgian_round(2017)
    user = UserFactory(username="editor", is_staff=True)
    wanted = [perm.split(".") for perm in mixin.import_permissions]
    granted = [Permission.objects.get(content_type__app_label=a, codename=c) for a, c in wanted]
    user.user_permissions.set(granted)
    client.force_login(user)

    response = client.post(reverse(url), {"file": upload(content.read_bytes(), content.name)})

    assert response.status_code == 302, response.context and response.context["problems"]


def test_progress_import_page_imports_and_refuses(superuser_client):
    import_plan(BELGIAN_PLAN.read_bytes(), BELGIAN_PLAN.name)
    refused = superuser_client.post(
        reverse(PROGRESS_IMPORT), {"file": upload(BELGIAN_PROGRESS.read_bytes())}
    )
    assert refused.status_code == 200
    assert "no reporting round" in refused.content.decode()
    assert not ProgressEntry.objects.exists()

    make_belgian_round(2017)
    response = superuser_client.post(
        reverse(PROGRESS_IMPORT), {"file": upload(BELGIAN_PROGRESS.read_bytes())}
    )

    assert response.status_code == 302
    assert ProgressEntry.objects.count() == 7


def test_export_actions_download_files_that_import_back_unchanged(superuser_client):
    import_plan(BELGIAN_PLAN.read_bytes(), BELGIAN_PLAN.name)
    make_belgian_round(2017)
    import_progress(BELGIAN_PROGRESS.read_bytes(), BELGIAN_PROGRESS.name)
    plan = Plan.objects.get()
    downloads = {}
    for action, changelist, pks in [
        ("export_plans_csv", "admin:indicators_plan_changelist", [plan.pk]),
        ("export_plans_xlsx", "admin:indicators_plan_changelist", [plan.pk]),
        (
            "export_entries_csv",
            "admin:reporting_progressentry_changelist",
            list(ProgressEntry.objects.values_list("pk", flat=True)),
        ),
        (
            "export_entries_xlsx",
            "admin:reporting_progressentry_changelist",
            list(ProgressEntry.objects.values_list("pk", flat=True)),
        ),
    ]:
        response = superuser_client.post(
            reverse(changelist), {"action": action, "_selected_action": pks}
        )
        assert response.status_code == 200, action
        assert response["Content-Disposition"].startswith("attachment; filename=")
        downloads[action] = response.content

    before = full_dump()
    with capture() as queries:
        for action, content in downloads.items():
            importer = import_plan if "plans" in action else import_progress
            result = importer(content, "file." + action.rsplit("_", 1)[1])
            assert result.problems == [], action
    assert write_queries(queries) == []
    assert full_dump() == before
