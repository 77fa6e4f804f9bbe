"""`manage.py backup` and `manage.py restore`, with the restore drill.

The drill runs on whatever database the suite uses: SQLite (the embedded default, through the
sqlite3 backup API) and, in `make test-postgres`, a real PostgreSQL through pg_dump and
pg_restore. It loads the demo data, backs it up, damages or wipes the database and the
uploaded files, restores, and compares the row count and checksum of every table and file.
"""

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from indicators.models import Goal
from operations import backup as backup_module
from operations.backup import database_checksums
from reporting.models import ProgressEntry, Reference

pytestmark = pytest.mark.django_db(transaction=True)

FILES = {
    "reports/2021/report.pdf": b"%PDF-1.7 fake but binary \x00\x01\x02" * 100,
    "uploads/note.txt": "Résumé of the plan\n".encode(),
}


@pytest.fixture
def media(settings, tmp_path):
    root = tmp_path / "media"
    for relative, content in FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def demo_data():
    call_command("load_demo", verbosity=0)


def run_backup(output: Path) -> Path:
    out = io.StringIO()
    call_command("backup", output=str(output), stdout=out)
    archive = Path(out.getvalue().strip().splitlines()[-1])
    assert archive.is_file()
    return archive


def run_restore(archive: Path) -> str:
    out = io.StringIO()
    call_command("restore", str(archive), yes=True, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def media_snapshot(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def alter_everything(media_root: Path) -> None:
    """Lose data, change data, add data, in the database and in the files."""
    Reference.objects.all().delete()
    goal = Goal.objects.order_by("pk").first()
    goal.number += 100
    goal.save()
    get_user_model().objects.create_user("intruder", password="not-in-the-backup-1")
    (media_root / "uploads/note.txt").write_text("overwritten")
    (media_root / "reports/2021/report.pdf").unlink()
    (media_root / "new-after-backup.txt").write_text("should disappear")


def wipe_database() -> None:
    """An empty database, as a freshly created one would be."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
            cursor.execute("PRAGMA foreign_keys = ON")
    assert connection.introspection.table_names() == []


def test_restore_drill_brings_back_every_row_and_file(demo_data, media, tmp_path):
    before_tables = database_checksums()
    before_files = media_snapshot(media)
    assert Reference.objects.exists()
    archive = run_backup(tmp_path / "backups")

    alter_everything(media)
    assert database_checksums() != before_tables

    message = run_restore(archive)

    assert "every checksum matches" in message
    assert database_checksums() == before_tables
    assert media_snapshot(media) == before_files
    assert not get_user_model().objects.filter(username="intruder").exists()
    # The portal works on the restored data: the ORM reads it as before.
    assert ProgressEntry.objects.published().count() == 48


def test_restore_into_an_empty_database(demo_data, media, tmp_path):
    before_tables = database_checksums()
    archive = run_backup(tmp_path / "backups")

    wipe_database()
    run_restore(archive)

    after = database_checksums()
    assert after == before_tables
    # Every table came back, with the same rows.
    assert all(after[table]["rows"] == before_tables[table]["rows"] for table in before_tables)
    assert Reference.objects.count() == before_tables["reporting_reference"]["rows"]


def test_manifest_lists_migrations_row_counts_and_checksums(demo_data, media, tmp_path):
    archive = run_backup(tmp_path / "backups")

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["database"]["engine"] == connection.vendor
    assert manifest["database"]["file"] in names
    assert {f"media/{relative}" for relative in FILES} <= set(names)
    assert ["reporting", "0001_initial"] in manifest["migrations"]
    assert manifest["created_at"].endswith("+00:00")
    tables = manifest["tables"]
    assert tables["reporting_progressentry"]["rows"] == ProgressEntry.objects.count()
    assert tables["django_migrations"]["rows"] > 0
    assert set(tables) == set(connection.introspection.table_names())
    assert all(len(entry["sha256"]) == 64 for entry in tables.values())
    assert manifest["files"]["uploads/note.txt"] == {
        "size": len(FILES["uploads/note.txt"]),
        "sha256": backup_module.sha256_file(media / "uploads/note.txt"),
    }


def test_a_damaged_archive_is_refused_and_nothing_is_changed(demo_data, media, tmp_path):
    archive = run_backup(tmp_path / "backups")
    alter_everything(media)
    altered_tables = database_checksums()
    altered_files = media_snapshot(media)

    # Flip bytes in the middle of the database dump inside the archive.
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith("database."))
        offset = member.offset_data + member.size // 2
    data = bytearray(archive.read_bytes())
    data[offset : offset + 4] = bytes(255 - byte for byte in data[offset : offset + 4])
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(data))

    with pytest.raises(CommandError, match=r"damaged; nothing was restored"):
        run_restore(damaged)

    assert database_checksums() == altered_tables
    assert media_snapshot(media) == altered_files


def test_a_truncated_archive_is_refused(demo_data, media, tmp_path):
    archive = run_backup(tmp_path / "backups")
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 3])
    before = database_checksums()

    with pytest.raises(CommandError, match=r"not a readable back-up archive|damaged"):
        run_restore(truncated)

    assert database_checksums() == before


def test_a_damaged_file_in_the_archive_is_named(demo_data, media, tmp_path):
    archive = run_backup(tmp_path / "backups")
    rebuilt = tmp_path / "rebuilt.tar"
    with tarfile.open(archive) as source, tarfile.open(rebuilt, "w") as target:
        for member in source.getmembers():
            content = source.extractfile(member).read()
            if member.name == "media/uploads/note.txt":
                content = b"tampered"
                member.size = len(content)
            target.addfile(member, io.BytesIO(content))

    with pytest.raises(CommandError, match=r"uploads/note\.txt is damaged"):
        run_restore(rebuilt)
    assert media_snapshot(media) == FILES


def test_restore_asks_for_confirmation(demo_data, media, tmp_path, monkeypatch):
    archive = run_backup(tmp_path / "backups")
    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive), stdout=io.StringIO())


@pytest.mark.django_db(transaction=False)
def test_the_database_password_never_reaches_a_command_line(monkeypatch, tmp_path):
    calls = []

    def fake_run(command, env, **kwargs):
        calls.append((command, env))

        class Result:
            returncode = 0
            stderr = ""

        return Result()

    monkeypatch.setattr(backup_module.subprocess, "run", fake_run)
    settings_dict = {
        "NAME": "napportal",
        "USER": "portal",
        "PASSWORD": "s3cret-pass",
        "HOST": "db.internal",
        "PORT": 5432,
        "OPTIONS": {"sslmode": "require"},
    }
    env = backup_module._postgresql_env(settings_dict)
    backup_module._run(["/usr/bin/pg_dump", "--format=custom", "--file=/tmp/x"], env)

    command, passed_env = calls[0]
    assert all("s3cret-pass" not in arg for arg in command)
    assert passed_env["PGPASSWORD"] == "s3cret-pass"
    assert passed_env["PGHOST"] == "db.internal"
    assert passed_env["PGSSLMODE"] == "require"


@pytest.mark.django_db(transaction=False)
def test_a_failing_tool_reports_its_error_without_the_password(monkeypatch):
    def fake_run(command, env, **kwargs):
        class Result:
            returncode = 1
            stderr = 'pg_dump: error: connection to server failed: FATAL: role "x"'

        return Result()

    monkeypatch.setattr(backup_module.subprocess, "run", fake_run)
    env = backup_module._postgresql_env({"NAME": "n", "PASSWORD": "s3cret-pass"})
    with pytest.raises(backup_module.BackupError) as error:
        backup_module._run(["/usr/bin/pg_dump"], env)
    assert "pg_dump failed" in str(error.value)
    assert "s3cret-pass" not in str(error.value)


def test_an_archive_of_another_database_engine_is_refused(demo_data, media, tmp_path):
    archive = run_backup(tmp_path / "backups")
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    rebuilt = tmp_path / "other-engine.tar"
    with tarfile.open(archive) as source, tarfile.open(rebuilt, "w") as target:
        for member in source.getmembers():
            content = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(content)
                manifest["database"]["engine"] = other
                content = json.dumps(manifest).encode()
                member.size = len(content)
            target.addfile(member, io.BytesIO(content))
    before = database_checksums()

    with pytest.raises(CommandError, match=rf"holds a {other} database.*Nothing was restored"):
        run_restore(rebuilt)
    assert database_checksums() == before


def test_archives_written_into_media_root_are_not_backed_up_again(demo_data, media):
    first = run_backup(media / "backups")
    second = run_backup(media / "backups")

    with tarfile.open(second) as tar:
        names = tar.getnames()
    assert first.exists() and second != first
    assert not [name for name in names if name.startswith("media/backups")]
