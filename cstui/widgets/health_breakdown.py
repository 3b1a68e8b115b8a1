"""The health score taken apart, so a CSM can check it and trust it.

Every measure shows its points as a bar, the raw value in words, its weight and its
contribution; the contributions add up to the computed score. Measures without data are
listed apart with the reason, because they are left out of the score (not counted as 0).
A manual rating is shown with who set it, when and why, next to the computed score it
replaces, so an override never hides what the data says.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.widgets import Static

from cstui.domain.health import (
    Band,
    HealthConfig,
    HealthResult,
    MeasureResult,
    band_for,
    trend_arrow,
)
from cstui.i18n import render, t
from cstui.sanitize import clean
from cstui.ui.css import default_css
from cstui.ui.wrap import wrap_text
from cstui.widgets.charts import hbar, stars

BAND_STYLES: dict[Band, str] = {
    Band.RED: "bold red",
    Band.YELLOW: "bold yellow",
    Band.GREEN: "bold green",
    Band.UNKNOWN: "dim",
}
BAND_COLOURS: dict[Band, str] = {
    Band.RED: "red",
    Band.YELLOW: "yellow",
    Band.GREEN: "green",
    Band.UNKNOWN: "dim",
}
ARROWS = {"up": "↑", "down": "↓", "flat": "→"}
_ARROW_STYLES = {"up": "green", "down": "red", "flat": "dim"}
_POINTS_W = 4  # " 100"
_WEIGHT_W = 8  # "  ×20   "
_CONTRIB_W = 7  # " +17.0"


def score_text(score: int | None, band: Band, thin: bool = False) -> Text:
    """The score in its band colour, with the band named (colour alone is not enough);
    ``thin``: there is no score because the data is too thin, and it says so."""
    out = Text()
    out.append("—" if score is None else str(score), style=BAND_STYLES[band])
    word = t("health.band.thin") if thin and score is None else t(f"health.band.{band.value}")
    out.append(f" {word}", style=BAND_COLOURS[band])
    return out


def trend_text(delta: int | None, config: HealthConfig) -> Text:
    arrow = trend_arrow(delta, config)
    if arrow is None or delta is None:
        return Text(t("health.no_trend", days=config.trend_days), style="dim")
    return Text(
        t("health.trend", arrow=ARROWS[arrow], delta=delta, days=config.trend_days),
        style=_ARROW_STYLES[arrow],
    )


def _measure_label(m: MeasureResult) -> str:
    return t(m.label)


def _raw_text(m: MeasureResult) -> str:
    """The raw value (or why it is missing) in the UI language, safe to show."""
    return clean(render(m.raw_msg))


def breakdown_text(
    result: HealthResult,
    config: HealthConfig,
    delta: int | None,
    width: int = 80,
    stage: str | None = None,
) -> Text:
    """The breakdown for ``width`` cells: raw values share the measure's line when they fit."""
    out = Text()
    out.append(t("health.title") + " ", style="bold")
    out.append_text(score_text(result.score, result.band, result.thin_msg is not None))
    out.append("   ")
    out.append_text(trend_text(delta, config))
    out.append("\n")

    rating = result.override
    if rating is not None:
        shown = rating.resolved_score(config)
        out.append(t("health.override") + " ", style="bold magenta")
        if rating.stars is not None:
            out.append(stars(rating.stars) + " ", style="magenta")
        out.append(t("health.override_score", score=shown), style="magenta")
        out.append(" · " + t("health.override_by", who=clean(rating.by), day=rating.at.date()))
        computed = "—" if result.computed_score is None else str(result.computed_score)
        out.append(" · ")
        out.append(t("health.computed", score=computed), style="bold")
        out.append("\n  " + t("health.override_reason") + " ", style="dim")
        out.append(clean(rating.reason))
        out.append("\n")

    if result.unscored_msg is not None:
        # The stage is the only reason a result is unscored; name it in the UI language.
        reason = (
            t("health.unscored_stage", stage=stage)
            if stage
            else t("health.unscored", reason=render(result.unscored_msg))
        )
        out.append(reason, style="dim")
        return out
    if result.thin_msg is not None:
        out.append(t("health.thin", reason=clean(render(result.thin_msg))), style="dim")
        out.append("\n")
    present = [m for m in result.measures if m.present]
    if not present:
        out.append(t("health.no_data"), style="dim")
    else:
        out.append("\n")
        out.append_text(_measure_table(present, result, config, width))
    missing = result.missing
    if missing:
        out.append("\n\n")
        out.append(t("health.skipped"), style="bold")
        for m in missing:
            out.append("\n  · ")
            out.append(_measure_label(m))
            out.append(": " + clean(render(m.missing_msg or m.raw_msg)), style="dim")
    return out


def _measure_table(
    present: list[MeasureResult], result: HealthResult, config: HealthConfig, width: int
) -> Text:
    label_w = min(max(cell_len(_measure_label(m)) for m in present) + 2, 32)
    bar_w = 10 if width >= 64 else 6
    row_w = label_w + bar_w + _POINTS_W + _WEIGHT_W + _CONTRIB_W
    raw = [_raw_text(m) for m in present]
    inline = all(row_w + 2 + cell_len(text) <= width for text in raw)
    out = Text(style="")
    head = (
        set_cell_size(t("health.col.measure"), label_w)
        + set_cell_size(t("health.col.points"), bar_w + _POINTS_W)
        + set_cell_size("  " + t("health.col.weight"), _WEIGHT_W)
        + " "
        + t("health.col.contribution")
    )
    out.append(head, style="dim underline")
    for m, raw_text in zip(present, raw, strict=True):
        assert m.points is not None
        assert m.contribution is not None
        points, contribution = m.points + 0.0, m.contribution + 0.0  # never print "-0"
        out.append("\n")
        out.append(set_cell_size(_measure_label(m), label_w), style="bold")
        filled, empty = hbar(points, 100, bar_w)
        out.append(filled, style=BAND_COLOURS[band_for(round(points), config)])
        out.append(empty, style="dim")
        out.append(f"{points:>{_POINTS_W}.0f}")
        out.append(f"  ×{m.weight:<{_WEIGHT_W - 3}g}", style="dim" if m.weight == 0 else "")
        out.append(f"{contribution:>+{_CONTRIB_W}.1f}", style="bold")
        # Raw values share the row only when all of them fit, so the table reads evenly.
        out.append(("  " if inline else "\n  ") + raw_text, style="dim")
    exact = result.computed_exact
    if exact is not None:
        out.append("\n")
        total = set_cell_size(t("health.total"), label_w + bar_w + _POINTS_W + _WEIGHT_W)
        out.append(total, style="dim")
        out.append(f"{exact:>{_CONTRIB_W}.1f}", style="bold")
        if result.computed_score is not None:
            out.append(" → " + str(result.computed_score), style="bold")
    return out


class HealthBreakdown(Static):
    """Shows one :class:`HealthResult`; drawn for the width the layout gives it."""

    DEFAULT_CSS = default_css(__file__, "health_breakdown.tcss")

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", markup=False, id=id, classes=classes)
        self.result: HealthResult | None = None
        self.config: HealthConfig | None = None
        self.delta: int | None = None
        self.stage: str | None = None
        self._drawn_width = 0
        self._text = Text()
        self._shown = Text()
        """``_text`` wrapped for the drawn width, continuation lines under their text."""

    def show(
        self,
        result: HealthResult,
        config: HealthConfig,
        delta: int | None,
        stage: str | None = None,
    ) -> None:
        """Draw ``result``; ``stage`` is the translated stage name, used when it is unscored."""
        self.result, self.config, self.delta, self.stage = result, config, delta, stage
        width = self.content_size.width or self._drawn_width
        if width:
            self._draw(width)
        # else not laid out yet: the layout draws it for its width (once, not for 80 first)
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """Draw for the width the layout gives, during that layout: redrawing on the Resize
        after it cost a second layout pass of the whole screen on every open."""
        if width and width != self._drawn_width:
            self._draw(width)
            self._layout_cache.clear()  # the visual of the text drawn for the old width
            self.clear_cached_dimensions()
        return super().get_content_height(container, viewport, width)

    def on_resize(self, event: events.Resize) -> None:
        width = self.content_size.width
        if width and width != self._drawn_width:
            self._draw(width)
            self.refresh(layout=True)

    def _draw(self, width: int) -> None:
        self._drawn_width = width
        if self.result is None or self.config is None:
            return
        self._text = breakdown_text(self.result, self.config, self.delta, width, self.stage)
        self._shown = wrap_text(self._text, width, hanging=True)

    def render(self) -> Text:
        return self._shown

    @property
    def plain(self) -> str:
        """The text shown (for tests and copy)."""
        return self._text.plain
