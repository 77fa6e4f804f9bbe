"""The import and export management commands."""

import io

import pytest
from django.core.management import CommandError, call_command

from indicators.models import Plan
from reporting.models import ProgressEntry
from tests.test_exchange_support import (
    BELGIAN_PLAN,
    BELGIAN_PROGRESS,
    BELGIAN_SLUG,
    csv_bytes,
    full_dump,
    make_belgian_round,
    read_rows,
    row_number,
)

pytestmark = pytest.mark.django_db


def run(*args):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(*args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


@pytest.fixture
def belgian_plan():
    run("import_plan", str(BELGIAN_PLAN))
    return Plan.objects.get(slug=BELGIAN_SLUG)


def test_import_plan_writes_the_plan_and_says_what_it_did():
    stdout, stderr = run("import_plan", str(BELGIAN_PLAN))

    assert "39 created, 0 updated, 0 unchanged" in stdout
    assert stderr == ""
    assert Plan.objects.get(slug=BELGIAN_SLUG).goals.count() == 6


def test_import_plan_again_changes_nothing(belgian_plan):
    before = full_dump()

    stdout, _stderr = run("import_plan", str(BELGIAN_PLAN))

    assert "0 created, 0 updated, 39 unchanged" in stdout
    assert full_dump() == before


def test_import_plan_dry_run_writes_nothing():
    before = full_dump()

    stdout, _stderr = run("import_plan", str(BELGIAN_PLAN), "--dry-run")

    assert "Dry run" in stdout
    assert full_dump() == before


def test_import_plan_refuses_a_bad_file_and_prints_every_problem(tmp_path, belgian_plan):
    columns, rows = read_rows()
    rows[row_number(rows, type="goal", goal=1) - 2]["title_en"] = "Changed"
    target = row_number(rows, type="indicator", indicator="2.2")
    rows[target - 2]["target"] = "forty"
    rows.append(
        {
            "type": "indicator",
            "plan_slug": BELGIAN_SLUG,
            "goal": "9",
            "indicator": "9.1",
            "kind": "count",
            "text_fr": "x",
        }
    )
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(columns, rows))
    before = full_dump()

    stderr = io.StringIO()
    with pytest.raises(CommandError, match="2 problems found; nothing was written"):
        call_command("import_plan", str(bad), stdout=io.StringIO(), stderr=stderr)

    assert stderr.getvalue().splitlines() == [
        f"row {target}, column target: 'forty' is not a number.",
        f"row {len(rows) + 1}, column goal: Unknown goal 9 in plan {BELGIAN_SLUG}.",
    ]
    assert full_dump() == before


def test_import_of_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_plan", str(tmp_path / "nope.csv"))


def test_import_progress_writes_and_refuses_a_missing_round(tmp_path, belgian_plan):
    with pytest.raises(CommandError, match="1 problem found"):
        run("import_progress", str(BELGIAN_PROGRESS))
    assert not ProgressEntry.objects.exists()

    make_belgian_round(2017)
    stdout, _stderr = run("import_progress", str(BELGIAN_PROGRESS))

    assert "7 created" in stdout
    assert ProgressEntry.objects.count() == 7


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_plan_writes_a_file_that_imports_back_without_changes(tmp_path, belgian_plan, fmt):
    output = tmp_path / f"plan.{fmt}"

    stdout, _stderr = run(
        "export_plan", "--plan", BELGIAN_SLUG, "--format", fmt, "--output", str(output)
    )

    assert f"Wrote {output}" in stdout
    before = full_dump()
    stdout, _stderr = run("import_plan", str(output))
    assert "0 created, 0 updated, 39 unchanged" in stdout
    assert full_dump() == before


def test_export_format_follows_the_output_extension(tmp_path, belgian_plan):
    output = tmp_path / "plan.xlsx"
    run("export_plan", "--plan", BELGIAN_SLUG, "--output", str(output))
    assert output.read_bytes().startswith(b"PK")


def test_export_of_an_unknown_plan_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no plan with slug 'nope'"):
        run("export_plan", "--plan", "nope", "--output", str(tmp_path / "x.csv"))


def test_export_progress_filters_by_year_organisation_and_status(tmp_path, belgian_plan):
    make_belgian_round(2017)
    run("import_progress", str(BELGIAN_PROGRESS))
    output = tmp_path / "progress.csv"

    run(
        "export_progress",
        "--plan", BELGIAN_SLUG,
        "--year", "2017",
        "--organisation", "example-be-defence",
        "--status", "submitted",
        "--format", "csv",
        "--output", str(output),
    )  # fmt: skip

    lines = output.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + 3  # header, total, two categories
    assert all("example-be-defence" in line for line in lines[1:])

    run("export_progress", "--plan", BELGIAN_SLUG, "--status", "draft", "--output", str(output))
    lines = output.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + 3  # interior's police row, justice's two entries
    assert all(",draft," in line for line in lines[1:])

    with pytest.raises(CommandError, match="no organisation"):
        run(
            "export_progress",
            "--plan",
            BELGIAN_SLUG,
            "--organisation",
            "x",
            "--output",
            str(output),
        )
