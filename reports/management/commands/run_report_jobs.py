import time

from django.core.management.base import BaseCommand

from reports.services import run_pending_jobs


class Command(BaseCommand):
    help = (
        "Render the reports coordinators asked for on the web. Run it as a worker "
        "(--loop) next to the web server, or from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", action="store_true", help="Keep running and poll for new jobs."
        )
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between polls.")

    def handle(self, *args, loop, interval, **options):
        while True:
            for job in run_pending_jobs():
                self.stdout.write(f"Report job {job.pk}: {job.status} {job.filename}")
            if not loop:
                return
            time.sleep(interval)
