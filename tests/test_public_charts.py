"""Quantitative indicators get a bar chart drawn as SVG on the server, with a data table."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from public.charts import bar_chart, nice_ceiling
from reporting.models import ProgressEntry, ReportingRound
from tests.factories import (
    CategoryFactory,
    EntryFactory,
    GoalFactory,
    IndicatorFactory,
    OrganisationFactory,
    PlanFactory,
    RoundFactory,
    ValueFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 1), (0.7, 1), (3, 5), (7, 10), (12, 20), (23, 25), (480, 500)]
)
def test_the_scale_ends_at_a_round_number(value, ceiling):
    assert nice_ceiling(value) == ceiling


def test_bars_are_as_high_as_their_values():
    chart = bar_chart(
        [2021, 2022],
        [("A", {2021: Decimal(5), 2022: Decimal(10)}), ("B", {2022: Decimal(2)})],
        target=Decimal(8),
        target_label="Target",
    )
    heights = [bar.height for bar in chart.bars]
    plot = chart.bottom - chart.top
    assert heights == [plot / 2, plot, plot / 5]
    assert [label for _x, label in chart.x_labels] == ["2021", "2022"]
    assert chart.lines[0].y == chart.bottom - plot * 0.8
    assert [label for _colour, label in chart.legend] == ["A", "B"]
    assert bar_chart([], []) is None


def published_indicator(kind="count", **fields):
    plan = PlanFactory(slug="charted")
    goal = GoalFactory(plan=plan, number=1)
    indicator = IndicatorFactory(goal=goal, code="1.a", kind=kind, **fields)
    rounds = [
        RoundFactory(
            plan=plan, year=year, state=ReportingRound.State.PUBLISHED, published_at=timezone.now()
        )
        for year in (2021, 2022)
    ]
    return indicator, rounds


def report(round_, organisation, indicator, total=None, categories=()):
    entry = EntryFactory(
        round=round_,
        organisation=organisation,
        goal=indicator.goal,
        indicator=indicator,
        status=ProgressEntry.Status.PUBLISHED,
    )
    if total is not None:
        ValueFactory(entry=entry, value=total)
    for category, value in categories:
        ValueFactory(entry=entry, category=category, value=value)
    return entry


def test_indicator_page_draws_the_reported_totals_with_a_text_alternative(client):
    indicator, (r2021, r2022) = published_indicator(baseline=2, target=30)
    category = CategoryFactory(indicator=indicator)
    defence = OrganisationFactory(name_en="Defence")
    foreign = OrganisationFactory(name_en="Foreign Affairs")
    report(r2021, defence, indicator, total=12)
    report(r2022, defence, indicator, total=17)
    report(r2022, foreign, indicator, categories=[(category, 4)])  # total from the categories
    html = client.get("/en/plans/charted/indicators/1.a/").content.decode()
    svg = re.search(r"<svg class=\"chart-svg\"[^>]*>", html).group(0)
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-title chart-desc"' in svg
    assert '<title id="chart-title">' in html
    desc = re.search(r'<desc id="chart-desc">(.*?)</desc>', html, re.S).group(1)
    assert "Defence: 2021 12, 2022 17." in desc
    assert "Target: 30." in desc
    assert html.count("<rect x=") == 3
    table = html.split('<table class="chart-data"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]
    cleaned = [[re.sub(r"<[^>]+>", "", cell).strip() for cell in row] for row in cells]
    assert cleaned[0] == ["Organisation", "2021", "2022"]
    assert cleaned[1] == ["Defence", "12", "17"]
    assert cleaned[2][0] == "Foreign Affairs" and cleaned[2][2] == "4"


def test_numbers_in_the_chart_are_not_localised_inside_svg(client):
    indicator, (r2021, _r2022) = published_indicator(kind="percentage")
    report(r2021, OrganisationFactory(), indicator, total=Decimal("12.5"))
    html = client.get("/nl/plans/charted/indicators/1.a/").content.decode()
    svg = html.split('<svg class="chart-svg"')[1].split("</svg>")[0]
    for attribute in re.findall(r' (?:x|y|width|height|y1|y2)="([^"]*)"', svg):
        float(attribute)  # a comma would make the SVG invalid
    assert "12,5" in html.split('<table class="chart-data"')[1]  # the table is in Dutch


def test_percentages_are_not_added_up(client):
    indicator, (r2021, _r2022) = published_indicator(kind="percentage")
    category = CategoryFactory(indicator=indicator)
    report(r2021, OrganisationFactory(), indicator, categories=[(category, 40)])
    html = client.get("/en/plans/charted/indicators/1.a/").content.decode()
    assert '<svg class="chart-svg"' not in html
    assert "No figures have been published for this indicator yet." in html


def test_qualitative_indicators_have_no_chart(client):
    indicator, (r2021, _r2022) = published_indicator(kind="qualitative")
    report(r2021, OrganisationFactory(), indicator)
    html = client.get("/en/plans/charted/indicators/1.a/").content.decode()
    assert "chart-svg" not in html
    assert "Reported figures" not in html
