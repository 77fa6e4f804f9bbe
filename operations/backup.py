"""Back-up and restore of the whole portal: the database and the files under MEDIA_ROOT.

An archive is one uncompressed tar file:

    manifest.json       what is inside, with checksums (see `build_manifest`)
    database.dump       PostgreSQL: `pg_dump --format=custom` (already compressed)
    database.sqlite3    SQLite: a copy made with the sqlite3 backup API
    media/...           every file under MEDIA_ROOT

The manifest records, per table, the number of rows and a SHA-256 over the rows' content, so a
restore can prove that it brought back exactly what was backed up. The checksum of a table does
not depend on the order of its rows.

PostgreSQL's password is handed to pg_dump and pg_restore through the PGPASSWORD environment
variable, never on a command line (which other users of the machine can read) or in a log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import django
from django.conf import settings
from django.db import connections

MANIFEST = "manifest.json"
MEDIA_PREFIX = "media"
FORMAT_VERSION = 1
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """A back-up or restore that cannot be done; the message says why, for the operator."""


# --- checksums -------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _canonical(value: Any) -> str:
    if value is None:
        return "\x00null"
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes | bytearray):
        return "\x00bytes:" + bytes(value).hex()
    return str(value)


def _rows_digest(rows: Iterable[tuple]) -> tuple[int, str]:
    """(count, sha256) of rows, independent of their order: the sorted per-row digests are
    hashed, so that a restore that writes rows in another physical order still matches."""
    row_digests = []
    for row in rows:
        encoded = json.dumps([_canonical(value) for value in row], ensure_ascii=False)
        row_digests.append(hashlib.sha256(encoded.encode()).digest())
    row_digests.sort()
    total = hashlib.sha256()
    for digest in row_digests:
        total.update(digest)
    return len(row_digests), total.hexdigest()


def _fetch_all(cursor, sql: str) -> Iterator[tuple]:
    cursor.execute(sql)
    while batch := cursor.fetchmany(500):
        yield from batch


def table_checksums(cursor, tables: Iterable[str], quote) -> dict[str, dict[str, Any]]:
    """{table: {"rows": n, "sha256": hex}} through a DB-API cursor."""
    result = {}
    for table in sorted(tables):
        count, digest = _rows_digest(_fetch_all(cursor, f"SELECT * FROM {quote(table)}"))
        result[table] = {"rows": count, "sha256": digest}
    return result


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [name for (name,) in rows]


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_checksums(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    return table_checksums(conn.cursor(), _sqlite_tables(conn), _sqlite_quote)


def _postgresql_table_names(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return [name for (name,) in cursor.fetchall()]


def _postgresql_checksums(connection) -> dict[str, dict[str, Any]]:
    with connection.cursor() as cursor:
        # Reading every table may take longer than a web request may (DATABASE_STATEMENT_TIMEOUT).
        cursor.execute("SET statement_timeout = 0")
        return table_checksums(cursor, _postgresql_table_names(cursor), connection.ops.quote_name)


def database_checksums(alias: str = "default") -> dict[str, dict[str, Any]]:
    """Row counts and checksums of every table of the live database."""
    connection = connections[alias]
    vendor = connection.vendor
    if vendor == "postgresql":
        return _postgresql_checksums(connection)
    if vendor == "sqlite":
        connection.ensure_connection()
        return _sqlite_checksums(connection.connection)
    raise BackupError(f"Back-ups of {vendor} databases are not supported.")


# --- PostgreSQL tools ------------------------------------------------------------------------


def _postgresql_bin(name: str) -> str:
    """pg_dump/pg_restore: PG_BINDIR if set, else the PATH, else the newest Debian package."""
    bindir = os.environ.get("PG_BINDIR")
    if bindir:
        return str(Path(bindir) / name)
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
        reverse=True,
    )
    if candidates:
        return str(candidates[0])
    raise BackupError(
        f"{name} was not found: install the PostgreSQL client (postgresql-client) or set "
        "PG_BINDIR to the directory that holds it."
    )


def _postgresql_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """Connection parameters as libpq environment variables: the password never appears on a
    command line."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    keep = ("PG_BINDIR",)
    env.update({key: os.environ[key] for key in keep if key in os.environ})
    options = settings_dict.get("OPTIONS") or {}
    pairs = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
        "PGCONNECT_TIMEOUT": options.get("connect_timeout"),
    }
    env.update({key: str(value) for key, value in pairs.items() if value not in (None, "")})
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        # The command line and stderr hold no password (it is only in the environment).
        raise BackupError(
            f"{Path(command[0]).name} failed (exit {result.returncode}): {result.stderr.strip()}"
        )


@contextmanager
def _postgresql_snapshot(connection) -> Iterator[str]:
    """A repeatable-read transaction whose snapshot pg_dump shares (--snapshot), so the dump and
    the manifest's checksums see exactly the same data even while the portal is in use."""
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError("A back-up cannot run inside a database transaction.")
    raw = connection.connection
    previous = raw.autocommit
    raw.autocommit = False
    try:
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # Reading every table may take longer than a web request may.
            cursor.execute("SET LOCAL statement_timeout = 0")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        yield snapshot
    finally:
        raw.rollback()
        raw.autocommit = previous


# --- back-up ---------------------------------------------------------------------------------


def _applied_migrations(cursor) -> list[list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [[app, name] for app, name in cursor.fetchall()]


def _media_files(media_root: Path, skip: Path | None = None) -> list[Path]:
    """Every file under media_root, except under `skip` (archives written into MEDIA_ROOT
    must not end up in the next archive)."""
    if not media_root.is_dir():
        return []
    skip = skip.resolve() if skip is not None else None
    return sorted(
        path
        for path in media_root.rglob("*")
        if path.is_file() and (skip is None or not path.resolve().is_relative_to(skip))
    )


def _dump_database(alias: str, workdir: Path) -> tuple[str, Path, dict, list]:
    """Write the database into workdir; returns (engine, file, table checksums, migrations)."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        target = workdir / DUMP_NAMES["postgresql"]
        env = _postgresql_env(connection.settings_dict)
        with _postgresql_snapshot(connection) as snapshot:
            _run(
                [
                    _postgresql_bin("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                ],
                env,
            )
            with connection.connection.cursor() as cursor:
                tables = table_checksums(
                    cursor,
                    _postgresql_table_names(cursor),
                    connection.ops.quote_name,
                )
                migrations = _applied_migrations(cursor)
        return "postgresql", target, tables, migrations
    if connection.vendor == "sqlite":
        target = workdir / DUMP_NAMES["sqlite"]
        connection.ensure_connection()
        copy = sqlite3.connect(
            target, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES
        )
        try:
            # The backup API copies a consistent snapshot, page by page, while others write.
            connection.connection.backup(copy)
            # Checksums from the copy: exactly what the archive holds.
            tables = _sqlite_checksums(copy)
            migrations = _applied_migrations(copy.cursor())
        finally:
            copy.close()
        return "sqlite", target, tables, migrations
    raise BackupError(f"Back-ups of {connection.vendor} databases are not supported.")


def create_backup(output_dir: Path, *, alias: str = "default", now: dt.datetime | None = None):
    """Write a back-up archive into output_dir and return its path and manifest."""
    now = now or dt.datetime.now(dt.UTC)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    stem = f"napportal-backup-{now:%Y%m%dT%H%M%SZ}"
    name = f"{stem}.tar"
    counter = 1
    while (output_dir / name).exists():  # two back-ups within a second: keep both
        counter += 1
        name = f"{stem}-{counter}.tar"
    archive = output_dir / name
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".backup-") as tmp:
        workdir = Path(tmp)
        engine, dump, tables, migrations = _dump_database(alias, workdir)
        files = {
            path.relative_to(media_root).as_posix(): {
                "size": path.stat().st_size,
                "sha256": sha256_file(path),
            }
            for path in _media_files(media_root, skip=output_dir)
        }
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": now.isoformat(),
            "django": django.get_version(),
            "database": {"engine": engine, "file": dump.name, "sha256": sha256_file(dump)},
            "migrations": migrations,
            "tables": tables,
            "files": files,
        }
        manifest_path = workdir / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        partial = output_dir / f".{name}.partial"
        with tarfile.open(partial, "w") as tar:
            tar.add(manifest_path, arcname=MANIFEST)
            tar.add(dump, arcname=dump.name)
            for relative in files:
                tar.add(media_root / relative, arcname=f"{MEDIA_PREFIX}/{relative}")
        # Only a complete archive gets its final name.
        partial.replace(archive)
    archive.chmod(0o600)
    return archive, manifest


# --- restore ---------------------------------------------------------------------------------


@dataclass
class Restored:
    manifest: dict
    tables: int
    rows: int
    files: int
    warnings: list[str]


def _safe_member_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise BackupError(f"The archive holds an unsafe path: {name!r}.")
    return path


def read_archive(archive: Path, workdir: Path) -> dict:
    """Unpack archive into workdir and check every file against the manifest. Raises
    BackupError, having changed nothing outside workdir, when anything does not match."""
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist.")
    try:
        with tarfile.open(archive, "r:") as tar:
            members = tar.getmembers()
            for member in members:
                _safe_member_path(member.name)
                if not (member.isfile() or member.isdir()):
                    raise BackupError(f"The archive holds a link or device: {member.name!r}.")
            tar.extractall(workdir, members=members, filter="data")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{archive} is not a readable back-up archive ({exc}).") from exc
    try:
        manifest = json.loads((workdir / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{archive} has no readable manifest ({exc}).") from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Unknown archive format {manifest.get('format')!r}.")

    problems = []
    database = manifest["database"]
    dump = workdir / _safe_member_path(database["file"])
    if not dump.is_file():
        problems.append(f"the database file {database['file']} is missing")
    elif sha256_file(dump) != database["sha256"]:
        problems.append(f"the database file {database['file']} is damaged (checksum differs)")
    for relative, expected in manifest["files"].items():
        path = workdir / MEDIA_PREFIX / _safe_member_path(relative)
        if not path.is_file():
            problems.append(f"the file {relative} is missing")
        elif sha256_file(path) != expected["sha256"]:
            problems.append(f"the file {relative} is damaged (checksum differs)")
    media_dir = workdir / MEDIA_PREFIX
    extra = sorted(
        path.relative_to(media_dir).as_posix()
        for path in _media_files(media_dir)
        if path.relative_to(media_dir).as_posix() not in manifest["files"]
    )
    problems += [f"the file {relative} is not in the manifest" for relative in extra]
    if problems:
        raise BackupError(
            f"{archive} is damaged; nothing was restored: " + "; ".join(problems) + "."
        )
    return manifest


def _restore_postgresql(connection, dump: Path) -> None:
    env = _postgresql_env(connection.settings_dict)
    # A portal still running holds locks on the tables: fail after a minute instead of waiting
    # for ever (the single transaction then leaves everything as it was).
    env["PGOPTIONS"] = "-c lock_timeout=60s"
    # Our own connection must not hold locks that pg_restore waits for.
    connection.close()
    _run(
        [
            _postgresql_bin("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            # All or nothing: a failure leaves the database as it was.
            "--single-transaction",
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump),
        ],
        env,
    )


def _restore_sqlite(connection, dump: Path) -> None:
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError("A restore cannot run inside a database transaction.")
    source = sqlite3.connect(dump)
    try:
        # Replaces the whole content of the live database (also an in-memory one) at once.
        source.backup(connection.connection)
    finally:
        source.close()


def _replace_media(source: Path, media_root: Path) -> None:
    """Make MEDIA_ROOT hold exactly the archive's files. Everything moves by renames inside
    MEDIA_ROOT itself, which may be a mount point (a Docker volume) that cannot be renamed:
    the new tree is copied into a hidden directory there first, so a failure while copying
    leaves the old files untouched."""
    media_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=media_root, prefix=".restore-new-"))
    old = Path(tempfile.mkdtemp(dir=media_root, prefix=".restore-old-"))
    try:
        if source.is_dir():
            shutil.copytree(source, staging, dirs_exist_ok=True)
        for entry in list(media_root.iterdir()):
            if entry not in (staging, old):
                entry.rename(old / entry.name)
        for entry in list(staging.iterdir()):
            entry.rename(media_root / entry.name)
    except BaseException:
        # Put back what was moved aside.
        for entry in list(old.iterdir()):
            if not (media_root / entry.name).exists():
                entry.rename(media_root / entry.name)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def verify_database(manifest: dict, alias: str = "default") -> list[str]:
    """Differences between the live database and the manifest's tables (empty = equal)."""
    live = database_checksums(alias)
    problems = []
    for table, expected in sorted(manifest["tables"].items()):
        actual = live.get(table)
        if actual is None:
            problems.append(f"table {table} is missing")
        elif actual["rows"] != expected["rows"]:
            problems.append(f"table {table} has {actual['rows']} rows, expected {expected['rows']}")
        elif actual["sha256"] != expected["sha256"]:
            problems.append(f"table {table} has other content than was backed up")
    return problems


def verify_media(manifest: dict) -> list[str]:
    media_root = Path(settings.MEDIA_ROOT)
    present = {path.relative_to(media_root).as_posix(): path for path in _media_files(media_root)}
    problems = []
    for relative, expected in sorted(manifest["files"].items()):
        path = present.pop(relative, None)
        if path is None:
            problems.append(f"file {relative} is missing")
        elif sha256_file(path) != expected["sha256"]:
            problems.append(f"file {relative} differs")
    problems += [f"file {relative} was not in the back-up" for relative in sorted(present)]
    return problems


def restore_backup(archive: Path, *, alias: str = "default") -> Restored:
    """Restore archive into the database `alias` and MEDIA_ROOT, then prove it with the
    manifest's checksums. A damaged archive raises BackupError before anything is changed."""
    connection = connections[alias]
    archive = Path(archive)
    with tempfile.TemporaryDirectory(prefix="napportal-restore-") as tmp:
        workdir = Path(tmp)
        manifest = read_archive(archive, workdir)
        engine = manifest["database"]["engine"]
        if engine != connection.vendor:
            raise BackupError(
                f"The archive holds a {engine} database; this portal uses {connection.vendor}. "
                "Nothing was restored."
            )
        dump = workdir / manifest["database"]["file"]
        if engine == "postgresql":
            _restore_postgresql(connection, dump)
        else:
            _restore_sqlite(connection, dump)
        _replace_media(workdir / MEDIA_PREFIX, Path(settings.MEDIA_ROOT))

    problems = verify_database(manifest, alias) + verify_media(manifest)
    if problems:
        raise BackupError("The restore did not verify: " + "; ".join(problems) + ".")
    warnings = _migration_warnings(manifest, alias)
    return Restored(
        manifest=manifest,
        tables=len(manifest["tables"]),
        rows=sum(table["rows"] for table in manifest["tables"].values()),
        files=len(manifest["files"]),
        warnings=warnings,
    )


def _migration_warnings(manifest: dict, alias: str) -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    applied = {tuple(pair) for pair in manifest["migrations"]}
    loader = MigrationLoader(connections[alias], ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    warnings = []
    unknown = sorted(applied - known)
    missing = sorted(known - applied)
    if unknown:
        warnings.append(
            f"the back-up has {len(unknown)} migration(s) this code does not know "
            f"(e.g. {unknown[0][0]}.{unknown[0][1]}): it comes from a newer version"
        )
    if missing:
        warnings.append(
            f"{len(missing)} migration(s) of this code are not applied in the back-up: "
            "run `python manage.py migrate`"
        )
    return warnings
