from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from indicators.models import Plan
from reports.context import LAYOUTS, ReportError
from reports.render import FORMATS
from reports.services import generate_report


class Command(BaseCommand):
    help = (
        "Write the report to parliament (cover letter and annex) or the final report over the "
        "plan period as HTML, tagged PDF or Word. The same documents as the coordinators' "
        "button on the web."
    )

    def add_arguments(self, parser):
        parser.add_argument("--plan", required=True, help="The plan's slug, e.g. nl-nap-iv.")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
        parser.add_argument("--layout", choices=LAYOUTS, default="organisation")
        parser.add_argument("--language", choices=[code for code, _n in settings.LANGUAGES])
        parser.add_argument(
            "--final", action="store_true", help="The final report over the plan period."
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Include entries that are not approved; every page then says DRAFT.",
        )
        parser.add_argument("--output", required=True, type=Path)

    def handle(self, *args, plan, year, fmt, layout, language, final, draft, output, **options):
        try:
            plan_obj = Plan.objects.get(slug=plan)
        except Plan.DoesNotExist as exc:
            raise CommandError(f"No plan with slug {plan!r}.") from exc
        try:
            document = generate_report(
                plan=plan_obj,
                year=year,
                fmt=fmt,
                layout=layout,
                language=language,
                draft=draft,
                final=final,
            )
        except (ReportError, ValidationError) as exc:
            raise CommandError(str(exc)) from exc
        output.write_bytes(document.content)
        self.stdout.write(
            f"Wrote {output} ({len(document.content):,} bytes, sha256 {document.sha256[:12]}…)"
        )
