"""Synthetic plans and progress for benchmarks and load tests.

    python manage.py generate_synthetic --plans 100 --years 5 --organisations 20 \
        --indicators 40 --seed 1

The same arguments give the same data. Plans are named syn-s<seed>-0001, ...; a seed can be
generated once per database.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from synthetic.generator import Params, generate


class Command(BaseCommand):
    help = "Generate realistic synthetic plans, rounds and progress entries (reproducible)."

    def add_arguments(self, parser):
        parser.add_argument("--plans", type=int, default=1, help="number of plans (default 1)")
        parser.add_argument(
            "--years", type=int, default=3, help="reporting rounds per plan (default 3)"
        )
        parser.add_argument(
            "--organisations", type=int, default=20, help="organisations per plan (default 20)"
        )
        parser.add_argument(
            "--indicators", type=int, default=40, help="indicators per plan (default 40)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--first-year", type=int, default=2021, help="first plan year (default 2021)"
        )

    def handle(self, *args, **options):
        try:
            params = Params(
                plans=options["plans"],
                years=options["years"],
                organisations=options["organisations"],
                indicators=options["indicators"],
                seed=options["seed"],
                first_year=options["first_year"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        started = time.perf_counter()
        try:
            counts = generate(params, progress=lambda text: self.stdout.write(text))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        summary = ", ".join(f"{number} {name}" for name, number in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"Generated in {seconds:.1f} s: {summary}"))
