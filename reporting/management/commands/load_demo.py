import datetime
from pathlib import Path

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from indicators.services import load_plan_framework
from reporting.models import ProgressEntry, ReportingRound
from reporting.services import load_rounds, upsert_entry

DEMO_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo" / "nl-nap-iv.yaml"

# The annex does not say when the 2021 data call opened or closed; these dates are the demo's
# assumption. Publication is the date of the letter to parliament.
ROUND_2021 = {
    "opens_on": datetime.date(2022, 1, 10),
    "deadline": datetime.date(2022, 4, 1),
    "state": ReportingRound.State.PUBLISHED,
    "entry_status": ProgressEntry.Status.PUBLISHED,
}

# 2022 drafts start from last year's text, as a ministry would when it copies its 2021 entry.
DRAFTS_2022 = [("def", 1, None, None), ("jenv", 1, None, None), ("bz", 1, None, "1.a")]


class Command(BaseCommand):
    help = (
        "Load the Dutch NAP1325-IV with its real 2021 progress report (published) and an open "
        "2022 round with a few drafts. Safe to run again: it changes nothing the second time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEMO_FILE)

    @transaction.atomic
    def handle(self, *args, file: Path, **options):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        plan = load_plan_framework(data)

        rounds = []
        for round_data in data["rounds"]:
            round_data = {**ROUND_2021, **round_data} if round_data["year"] == 2021 else round_data
            if round_data.get("letter", {}).get("date") and "published_at" not in round_data:
                round_data["published_at"] = round_data["letter"]["date"]
            rounds.append(round_data)
        load_rounds(plan, rounds)

        today = datetime.date.today()
        round_2022 = load_rounds(
            plan,
            [
                {
                    "year": 2022,
                    # Stable within a year, so that running the command twice writes nothing.
                    "opens_on": datetime.date(today.year, 1, 1),
                    "deadline": datetime.date(today.year + 1, 3, 31),
                    "state": ReportingRound.State.OPEN,
                }
            ],
        )[0]
        previous = ReportingRound.objects.get(plan=plan, year=2021)
        for organisation, goal, subgoal, indicator in DRAFTS_2022:
            source = ProgressEntry.objects.select_related("organisation").get(
                round=previous,
                organisation__slug=organisation,
                goal__number=goal,
                subgoal__number=subgoal,
                indicator__code=indicator,
            )
            upsert_entry(
                round_=round_2022,
                organisation=source.organisation,
                goal=source.goal,
                subgoal=source.subgoal,
                indicator=source.indicator,
                status=ProgressEntry.Status.DRAFT,
                narrative={"nl": source.narrative_nl},
            )

        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {plan}: {plan.goals.count()} goals, "
                f"{sum(g.subgoals.count() for g in plan.goals.all())} subgoals, "
                f"{plan.indicators.count()} indicators, "
                f"{ProgressEntry.objects.filter(round__plan=plan).count()} progress entries."
            )
        )
