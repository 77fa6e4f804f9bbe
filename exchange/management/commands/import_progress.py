from exchange.progress import import_progress

from ._importing import ImportCommand


class Command(ImportCommand):
    help = (
        "Import progress entries and their values from a .csv or .xlsx file; see "
        "docs/import-export.md. The reporting rounds must exist. Nothing is written unless "
        "every row is valid. Importing the same file again changes nothing."
    )

    def importer(self, content, filename, *, dry_run):
        return import_progress(content, filename, dry_run=dry_run)
