"""Small text charts: bars, stars and time-axis sparklines.

The helpers are pure functions so their scaling can be unit-tested; :class:`TimeChart` lays
several dated series on one shared time axis. Two choices differ from Textual's own
``Sparkline``, on purpose:

* Bars start at zero. ``Sparkline`` stretches min…max over the full height, so a drop from
  64 to 60 active users looks like a collapse; a CSM reading a usage chart needs the scale.
* The x axis is time, not reading index. Readings are placed in the column of their date, a
  gap between two readings repeats the earlier value (a step chart), and nothing is drawn
  after the last reading, so usage that stopped being reported looks stale rather than flat.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from cstui.i18n import grouped, t
from cstui.ui.css import default_css

BARS = "▁▂▃▄▅▆▇█"
"""Vertical eighths, lowest first."""
EIGHTHS = "▏▎▍▌▋▊▉█"
"""Horizontal eighths, thinnest first."""
EMPTY_CELL = "·"
LABEL_MAX = 21
"""The most cells a sparkline's label column takes (a ten-character Japanese label and
its space)."""
"""Background of a horizontal bar, so its length can be read against the full width."""


def _fit(text: str, width: int) -> str:
    """``text`` in exactly ``width`` cells: padded, or cut with "…"."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(set_cell_size(text, max(width - 1, 0)).rstrip() + "…", width)


def hbar(value: float, maximum: float, width: int) -> tuple[str, str]:
    """A horizontal bar with eighth-cell precision as (filled, empty) parts.

    The parts are returned separately so the caller can colour the filled part; together
    they are always exactly ``width`` cells.
    """
    if width <= 0:
        return "", ""
    ratio = 0.0 if maximum <= 0 else min(max(value / maximum, 0.0), 1.0)
    eighths = round(ratio * width * 8)
    full, part = divmod(eighths, 8)
    filled = "█" * full + (EIGHTHS[part - 1] if part else "")
    return filled, EMPTY_CELL * (width - len(filled))


def stars(count: int, total: int = 5) -> str:
    """★★★★☆ for a 4-of-5 rating."""
    count = min(max(count, 0), total)
    return "★" * count + "☆" * (total - count)


def spark_rows(
    values: Sequence[float | None], maximum: float | None = None, height: int = 1
) -> list[str]:
    """Rows (top first) of a zero-based column chart, one column per value.

    ``None`` is a gap (blank column). Any reading above zero shows at least the lowest
    eighth, so "very little" never looks like "no data". ``maximum`` fixes the top (seats,
    100 points); by default it is the largest value.
    """
    present = [v for v in values if v is not None]
    top = maximum if maximum is not None else max(present, default=0.0)
    top = max(top, max(present, default=0.0))
    levels_total = 8 * max(height, 1)
    levels: list[int | None] = []
    for v in values:
        if v is None:
            levels.append(None)
        elif top <= 0 or v <= 0:
            levels.append(0)
        else:
            levels.append(max(1, round(v / top * levels_total)))
    rows: list[str] = []
    for row in range(height - 1, -1, -1):
        low = row * 8
        cells = []
        for level in levels:
            if level is None:
                cells.append(" ")
            elif row == 0 and level == 0:
                cells.append("▁")  # a reading of zero: a floor, unlike a gap
            elif level <= low:
                cells.append(" ")
            elif level >= low + 8:
                cells.append("█")
            else:
                cells.append(BARS[level - low - 1])
        rows.append("".join(cells))
    return rows


def bucket_series(
    points: Sequence[tuple[date, float]], start: date, end: date, width: int
) -> list[float | None]:
    """Place dated readings on ``width`` columns spanning ``start``…``end`` (both included).

    A column holds the mean of its readings; columns between two readings repeat the earlier
    one; columns before the first or after the last reading are ``None``.
    """
    if width <= 0:
        return []
    span = max((end - start).days, 1)
    sums: list[float] = [0.0] * width
    counts: list[int] = [0] * width
    for day, value in points:
        if day < start or day > end:
            continue
        col = min(int((day - start).days / span * width), width - 1)
        sums[col] += value
        counts[col] += 1
    filled = [i for i in range(width) if counts[i]]
    if not filled:
        return [None] * width
    out: list[float | None] = [None] * width
    last: float | None = None
    for i in range(filled[0], filled[-1] + 1):
        if counts[i]:
            last = sums[i] / counts[i]
        out[i] = last
    return out


def _whole(value: float) -> str:
    return grouped(value)


@dataclass(frozen=True)
class Series:
    """One line of a :class:`TimeChart`: dated readings and how to draw them."""

    label: str
    points: Sequence[tuple[date, float]]
    style: str = "cyan"
    height: int = 1
    maximum: float | None = None
    """Fixed top of the scale (seats, 100 points); by default the largest reading."""
    fmt: Callable[[float], str] = field(default=_whole)
    """How the latest reading is printed after the chart."""

    @property
    def latest(self) -> float | None:
        return max(self.points)[1] if self.points else None


class TimeChart(Widget):
    """Labelled series drawn over one shared period, with the period's dates underneath.

    The chart is redrawn for the width it gets, so the same data fills 80 or 200 columns.
    """

    DEFAULT_CSS = default_css(__file__, "charts.tcss")

    def __init__(
        self,
        series: Sequence[Series] = (),
        start: date | None = None,
        end: date | None = None,
        *,
        empty: str = "",
        scale: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.scale = scale
        """Print each series' lowest and highest reading after its latest one, so a bar's
        height can be read (a full bar of 45 and one of 4,500 look alike)."""
        self.series: list[Series] = list(series)
        self.start = start
        self.end = end
        self.empty = empty

    def set_data(
        self, series: Sequence[Series], start: date, end: date, *, empty: str | None = None
    ) -> None:
        self.series = list(series)
        self.start, self.end = start, end
        if empty is not None:
            self.empty = empty
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if not self._drawable:
            return 1
        return sum(max(s.height, 1) for s in self.series) + 1

    @property
    def _drawable(self) -> bool:
        return bool(self.series) and any(s.points for s in self.series)

    def _range(self, series: Series) -> str:
        """ "min–max" of the readings, when the chart shows a scale."""
        if not self.scale or not series.points:
            return ""
        values = [v for _, v in series.points]
        return t("chart.range", low=series.fmt(min(values)), high=series.fmt(max(values)))

    @staticmethod
    def _top_label(series: Series, width: int) -> Text:
        """What a full column of ``series`` means ("max 120"), right-aligned in ``width``
        cells, for the top row of a series taller than one row."""
        values = [v for _, v in series.points]
        top = max(series.maximum or 0.0, max(values, default=0.0))
        text = t("chart.top", value=series.fmt(top)) + " "
        if cell_len(text) > width:
            text = series.fmt(top) + " "
        return Text(set_cell_size(" " * max(width - cell_len(text), 0) + text, width), "dim")

    def render(self) -> Text:
        return self.render_text(self.content_size.width or 60)

    def render_text(self, width: int) -> Text:
        """The whole chart as text for ``width`` cells (also what tests read)."""
        if not self._drawable or self.start is None or self.end is None:
            return Text(self.empty, style="dim", no_wrap=True, overflow="ellipsis")
        # A space after the longest label (a Japanese one is two cells a character); a
        # longer one than the cap is cut with "…", never run into its bars.
        label_w = min(max(cell_len(s.label) for s in self.series) + 1, LABEL_MAX)
        values = [s.fmt(s.latest) if s.latest is not None else "—" for s in self.series]
        ranges = [self._range(s) for s in self.series]
        value_w = max(len(v) for v in values) + 1
        range_w = max(cell_len(r) for r in ranges) + 2 if any(ranges) else 0
        chart_w = max(width - label_w - value_w - range_w, 8)
        out = Text(no_wrap=True, overflow="crop")
        for s, shown, span in zip(self.series, values, ranges, strict=True):
            cols = bucket_series(s.points, self.start, self.end, chart_w)
            rows = spark_rows(cols, s.maximum, max(s.height, 1))
            for i, row in enumerate(rows):
                last = i == len(rows) - 1
                if last:
                    out.append(_fit(s.label, label_w - 1) + " ", style="bold")
                else:  # the upper rows of a tall series: the top of its scale
                    out.append(self._top_label(s, label_w) if i == 0 else " " * label_w)
                out.append(row, style=s.style)
                out.append((" " + shown) if last else "", style="bold")
                if last and span:
                    out.append(" " * (value_w - len(shown) + 1) + span, style="dim")
                out.append("\n")
        start_s, end_s = self.start.isoformat(), self.end.isoformat()
        gap = chart_w - len(start_s) - len(end_s)
        axis = (
            f"{start_s}{'─' * (gap - 2):^{gap}}{end_s}"
            if gap >= 4
            else f"{self.start:%Y-%m}…{self.end:%Y-%m}"
        )
        out.append(" " * label_w + axis, style="dim")
        return out
