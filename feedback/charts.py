"""Chart geometry for the dashboard's server-rendered SVG: coordinates only, drawn by templates.

The charts never rely on colour alone: series differ by marker shape and
line pattern and are labelled in text, every chart has a text alternative,
and the numbers are also given as a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from feedback.dashboard import Completion, Week

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 44


@dataclass
class Point:
    x: float
    y: float
    value: float
    week: int

    @property
    def corner(self) -> tuple[float, float]:
        """Top-left corner of a square marker centred on the point."""
        return self.x - 5, self.y - 5


@dataclass
class LineChart:
    workload: list[Point]
    resource: list[Point]
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, int]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom_y: int = HEIGHT - BOTTOM
    right_x: int = WIDTH - RIGHT

    @property
    def workload_path(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.workload)

    @property
    def resource_path(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.resource)


def _y(value: float) -> float:
    """1 at the bottom of the plot, 5 at the top."""
    return TOP + (5 - value) / 4 * (HEIGHT - TOP - BOTTOM)


def weekly_chart(weeks: list[Week]) -> LineChart | None:
    if not weeks:
        return None
    first, last = weeks[0].number, weeks[-1].number
    span = max(last - first, 1)
    plot_width = WIDTH - LEFT - RIGHT

    def x(number: int) -> float:
        return LEFT + (number - first) / span * plot_width if last > first else LEFT + plot_width / 2

    return LineChart(
        workload=[Point(x(week.number), _y(week.workload), week.workload, week.number) for week in weeks],
        resource=[Point(x(week.number), _y(week.resource), week.resource, week.number) for week in weeks],
        y_ticks=[(_y(value), value) for value in range(1, 6)],
        x_ticks=[(x(week.number), week.number) for week in weeks],
    )


@dataclass
class Bar:
    label: str
    count: int
    y: float
    width: float
    pattern: str

    # Coordinates as the SVG reads them, with a decimal point whatever the reader's language.
    @property
    def label_y(self) -> str:
        return f"{self.y + 10:.1f}"

    @property
    def bar_y(self) -> str:
        return f"{self.y + 16:.1f}"

    @property
    def bar_width(self) -> str:
        return f"{self.width:.1f}"

    @property
    def count_x(self) -> str:
        return f"{BAR_LEFT + self.width + 8:.1f}"

    @property
    def count_y(self) -> str:
        return f"{self.y + 29:.1f}"


BAR_HEIGHT, BAR_GAP, BAR_LEFT, BAR_AREA = 26, 12, 8, 420
PATTERNS = ["solid", "solid-light", "hatched", "dotted", "outline"]


@dataclass
class BarChart:
    bars: list[Bar]
    height: int
    total: int
    width: int = WIDTH
    bar_left: int = BAR_LEFT


def completion_chart(completion: Completion) -> BarChart | None:
    bars = completion.bars()
    total = sum(count for _label, count in bars)
    if not total:
        return None
    largest = max(count for _label, count in bars)
    return BarChart(
        bars=[
            Bar(
                label,
                count,
                TOP + index * (BAR_HEIGHT + BAR_GAP),
                BAR_AREA * count / largest if largest else 0,
                PATTERNS[index],
            )
            for index, (label, count) in enumerate(bars)
        ],
        height=TOP + len(bars) * (BAR_HEIGHT + BAR_GAP) + TOP,
        total=total,
    )
