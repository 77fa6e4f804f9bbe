from django.core.management.base import CommandError

from exchange.exports import export_progress
from indicators.models import Organisation
from reporting.models import ProgressEntry

from ._exporting import ExportCommand


class Command(ExportCommand):
    help = (
        "Export a plan's progress entries in the progress import format (.csv or .xlsx); "
        "see docs/import-export.md."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--year", type=int, help="Only this reporting year.")
        parser.add_argument("--organisation", help="Only this organisation (its slug).")
        parser.add_argument(
            "--status",
            action="append",
            choices=ProgressEntry.Status.values,
            help="Only entries with this status; repeat for several.",
        )

    def handle(self, *args, plan, format, output, year, organisation, status, **options):
        entries = ProgressEntry.objects.for_plan(self.get_plan(plan))
        if year is not None:
            entries = entries.for_year(year)
        if organisation:
            found = Organisation.objects.filter(slug=organisation).first()
            if found is None:
                raise CommandError(f"There is no organisation with slug {organisation!r}.")
            entries = entries.for_organisation(found)
        if status:
            entries = entries.filter(status__in=status)
        fmt = self.get_format(format, output)
        filename, _content_type, content = export_progress(entries, fmt)
        self.write(output, filename, content)
