from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump custom format, or a copy of the SQLite file) and the "
        "uploaded files under MEDIA_ROOT into one tar archive with a manifest of checksums."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(settings.BACKUP_DIR),
            help="Directory for the archive (default: BACKUP_DIR, var/backups in the project).",
        )
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, output, database, **options):
        try:
            archive, manifest = create_backup(Path(output), alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            f"Backed up {len(manifest['tables'])} tables ({rows} rows) and "
            f"{len(manifest['files'])} files to {archive}"
        )
        # The archive path alone on the last line, for scripts.
        self.stdout.write(str(archive))
