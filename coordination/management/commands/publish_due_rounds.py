from django.core.management.base import BaseCommand
from django.utils import timezone

from reporting import workflow
from reporting.models import ProgressEntry


class Command(BaseCommand):
    help = (
        "Publish every reporting round whose embargo time has passed. Run it from cron, e.g. "
        "every five minutes; it does nothing when no round is due."
    )

    def handle(self, *args, **options):
        published = workflow.publish_due_rounds()
        for round_ in published:
            count = round_.entries.filter(status=ProgressEntry.Status.PUBLISHED).count()
            embargo = timezone.localtime(round_.publish_at).strftime("%Y-%m-%d %H:%M %Z")
            self.stdout.write(
                f"Published {round_.plan.short_name} {round_.year} "
                f"(embargo {embargo}): {count} entries"
            )
        if not published and options["verbosity"] > 1:
            self.stdout.write("No round is due for publication.")
