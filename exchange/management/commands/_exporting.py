"""What the export commands share: the format and output options."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exchange.tabular import FORMATS
from indicators.models import Plan


class ExportCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--plan", required=True, help="The plan's slug.")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="File format; by default taken from the --output extension, else csv.",
        )
        parser.add_argument(
            "--output",
            type=Path,
            help="The file to write; by default a name like <plan>-plan.csv in this directory.",
        )

    def get_plan(self, slug: str) -> Plan:
        try:
            return Plan.objects.get(slug=slug)
        except Plan.DoesNotExist:
            raise CommandError(f"There is no plan with slug {slug!r}.") from None

    def get_format(self, fmt: str | None, output: Path | None) -> str:
        if fmt:
            return fmt
        suffix = output.suffix.lower().lstrip(".") if output else ""
        return suffix if suffix in FORMATS else FORMATS[0]

    def write(self, output: Path | None, filename: str, content: bytes) -> None:
        path = output or Path(filename)
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror or exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Wrote {path} ({len(content)} bytes)."))
