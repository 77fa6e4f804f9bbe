from exchange.plans import import_plan

from ._importing import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a plan (plan, organisations, goals, subgoals, indicators, categories, "
        "responsibilities) from a .csv or .xlsx file; see docs/import-export.md. Nothing is "
        "written unless every row is valid. Importing the same file again changes nothing."
    )

    def importer(self, content, filename, *, dry_run):
        return import_plan(content, filename, dry_run=dry_run)
