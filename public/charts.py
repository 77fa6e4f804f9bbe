"""Bar charts drawn on the server as SVG: no JavaScript, readable without CSS.

`bar_chart` only computes geometry; `templates/public/_chart.html` draws it, next to a table
with the same figures (the chart's text alternative for screen readers and for copying).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format

# Colours with at least 3:1 contrast against white (WCAG 1.4.11), distinguishable in print.
PALETTE = ["#01689b", "#a90061", "#39870c", "#154273", "#94710a", "#673327", "#275937"]

WIDTH = 640
HEIGHT = 300
LEFT = 64
RIGHT = 16
TOP = 16
BOTTOM = 36


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str


@dataclass
class Line:
    y: float
    label: str
    kind: str  # "baseline" or "target"


@dataclass
class BarChart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    bars: list[Bar] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is at least `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-9:
            return step * power
    return 10 * power


def _format(value: float | Decimal) -> str:
    decimals = 0 if float(value) == int(value) else 2
    return number_format(value, decimal_pos=decimals, force_grouping=True)


def bar_chart(
    years: list[int],
    series: list[tuple[str, dict[int, Decimal | None]]],
    *,
    baseline: Decimal | None = None,
    target: Decimal | None = None,
    baseline_label: str = "",
    target_label: str = "",
) -> BarChart | None:
    """Grouped bars: one group per year, one bar per series (organisation)."""
    values = [float(v) for _label, points in series for v in points.values() if v is not None]
    if not years or not values:
        return None
    references = [float(v) for v in (baseline, target) if v is not None]
    top_value = nice_ceiling(max(values + references))
    chart = BarChart()
    plot_height = chart.bottom - chart.top
    plot_width = chart.right - chart.left

    def y_of(value: float) -> float:
        return round(chart.bottom - plot_height * value / top_value, 2)

    for step in range(5):
        value = top_value * step / 4
        chart.y_ticks.append((y_of(value), _format(value)))

    group_width = plot_width / len(years)
    bar_width = min(48.0, group_width * 0.8 / max(len(series), 1))
    for index, year in enumerate(years):
        group_left = chart.left + group_width * index
        chart.x_labels.append((round(group_left + group_width / 2, 2), str(year)))
        start = group_left + (group_width - bar_width * len(series)) / 2
        for position, (label, points) in enumerate(series):
            value = points.get(year)
            if value is None:
                continue
            y = y_of(float(value))
            chart.bars.append(
                Bar(
                    x=round(start + bar_width * position, 2),
                    y=y,
                    width=round(bar_width - 2, 2),
                    height=round(chart.bottom - y, 2),
                    colour=PALETTE[position % len(PALETTE)],
                    label=f"{label}, {year}: {_format(value)}",
                )
            )
    chart.legend = [(PALETTE[i % len(PALETTE)], label) for i, (label, _points) in enumerate(series)]
    if baseline is not None:
        chart.lines.append(Line(y_of(float(baseline)), baseline_label, "baseline"))
    if target is not None:
        chart.lines.append(Line(y_of(float(target)), target_label, "target"))
    return chart
