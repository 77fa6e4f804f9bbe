"""What the import commands share: read the file, import it, print problems to stderr."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations


class ImportCommand(BaseCommand):
    label = "file"

    def importer(self, content: bytes, filename: str, *, dry_run: bool):  # pragma: no cover
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="A .csv (UTF-8) or .xlsx file.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would change, without writing anything.",
        )

    @no_translations
    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from exc
        result = self.importer(content, file.name, dry_run=dry_run)
        if result.problems:
            for problem in result.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{file.name}: {result.summary()}")
        self.stdout.write(self.style.SUCCESS(f"{file.name}: {result.summary()}"))
        if options["verbosity"] > 1:
            for line in result.details():
                self.stdout.write(f"  {line}")
