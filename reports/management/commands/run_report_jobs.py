from django.core.management import call_command
from django.core.management.base import BaseCommand

from reports.services import run_pending_jobs


class Command(BaseCommand):
    help = (
        "Run the waiting report jobs now and exit: `manage.py db_worker --batch` (django-tasks' "
        "database worker), listing the jobs. The long-running worker is `manage.py db_worker`; "
        "--loop runs that."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", action="store_true", help="Keep running: the same as `manage.py db_worker`."
        )
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between polls.")

    def handle(self, *args, loop, interval, **options):
        if loop:
            call_command("db_worker", interval=interval, reload=False)
            return
        for job in run_pending_jobs():
            self.stdout.write(f"Report job {job.pk}: {job.status} {job.filename}")
