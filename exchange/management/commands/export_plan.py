from exchange.exports import export_plan

from ._exporting import ExportCommand


class Command(ExportCommand):
    help = "Export a plan in the plan import format (.csv or .xlsx); see docs/import-export.md."

    def handle(self, *args, plan, format, output, **options):
        fmt = self.get_format(format, output)
        filename, _content_type, content = export_plan(self.get_plan(plan), fmt)
        self.write(output, filename, content)
