import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from operations.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a back-up made by `manage.py backup`: replaces the whole database and the "
        "files under MEDIA_ROOT, then checks every table and file against the archive's "
        "manifest. A damaged archive is refused before anything is changed. Stop the web and "
        "worker processes first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .tar archive written by `manage.py backup`.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, archive, yes, database, **options):
        settings_dict = connections[database].settings_dict
        target = f"{connections[database].vendor} database {settings_dict['NAME']}"
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError("Not restoring without confirmation: add --yes.")
            answer = input(f"This replaces everything in the {target} and MEDIA_ROOT. Type 'yes': ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            restored = restore_backup(Path(archive), alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for warning in restored.warnings:
            self.stderr.write(f"Warning: {warning}")
        self.stdout.write(
            f"Restored {restored.tables} tables ({restored.rows} rows) and {restored.files} "
            f"files from the back-up of {restored.manifest['created_at']} into the {target}; "
            "every checksum matches."
        )
