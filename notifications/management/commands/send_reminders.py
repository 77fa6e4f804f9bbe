"""Daily from cron: remind organisations of unfinished reporting, and coordinators of
organisations long overdue. Running it twice on one day sends nothing the second time."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications.services import send_reminders


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be a date as YYYY-MM-DD, not {value!r}.") from exc


class Command(BaseCommand):
    help = (
        "Mail one reminder digest per person about unfinished work in open rounds: "
        f"{settings.REMINDER_DAYS_BEFORE} days before the deadline and daily once overdue; "
        f"coordinators hear of organisations {settings.ESCALATE_AFTER_DAYS}+ days overdue."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=iso_date,
            help="The day to run for (YYYY-MM-DD); default today.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List who would get which reminders; send and record nothing.",
        )

    def handle(self, *args, date=None, dry_run=False, **options):
        run = send_reminders(today=date, dry_run=dry_run)
        verbose = dry_run or options["verbosity"] > 1
        if verbose:
            for digest in run.digests:
                parts = ", ".join(
                    f"{part.round.plan.short_name} {part.round.year} {part.kind}"
                    for part in digest.parts
                )
                self.stdout.write(f"  {digest.user.email}: {parts}")
        for user in run.without_address:
            self.stderr.write(f"  {user.username} has no e-mail address: not reminded.")
        for digest in run.failed:
            self.stderr.write(f"  sending to {digest.user.email} failed (see the log).")
        if dry_run:
            summary = (
                f"Dry run for {run.today}: {len(run.digests)} recipients, "
                "no mail sent, nothing recorded."
            )
        else:
            summary = (
                f"Reminders for {run.today}: {len(run.digests)} recipients, "
                f"{len(run.sent)} mails sent"
                + (f", {len(run.failed)} failed" if run.failed else "")
                + "."
            )
        self.stdout.write(summary)
        if run.failed:
            raise CommandError(f"{len(run.failed)} reminder mails could not be sent.")
