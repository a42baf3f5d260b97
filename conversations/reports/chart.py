"""The report's chart: pairs by phase over the weeks (stacked) above meetings held and missed
per week, worded in the coordinator's language, with dates written by Babel.

matplotlib's Agg canvas is attached to each figure explicitly: no pyplot, no global backend
or figure registry, so a chart drawn during one turn shares no state with another."""

from __future__ import annotations

import io

from babel.dates import format_skeleton
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from conversations.i18n import Texts
from conversations.records import Phase
from conversations.reports.series import Series

WIDTH, HEIGHT, DPI = 9.0, 7.0, 100  # 900 × 700 pixels
MAX_LABELS = 12  # week labels on the axis; more weeks show every second, third …
# One colour per phase, from starting out (light) to done (dark); ended early stands apart.
COLOURS = {
    Phase.INTRO: "#c6dbef",
    Phase.GOALS: "#9ecae1",
    Phase.AGREEMENT: "#6baed6",
    Phase.ACTIVE: "#3182bd",
    Phase.CLOSING: "#08519c",
    Phase.COMPLETED: "#31a354",
    Phase.ENDED_EARLY: "#bdbdbd",
}


def chart_figure(series: Series, language: str, programme_name: str = "") -> Figure:
    """The figure, not yet drawn (tests read its texts; ``chart_png`` draws it)."""
    t = Texts(language)
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    pairs_axes, meetings_axes = figure.subplots(2, 1, sharex=True)
    x = list(range(len(series.weeks)))

    # Each week's counts hold for the whole width of its column (a step, not a slope: the
    # counts are taken at each week's end).
    steps = [edge for i in x for edge in (i - 0.5, i + 0.5)]
    shown = [p for p in Phase if any(series.phases.get(p, ()))] or [Phase.INTRO]
    pairs_axes.stackplot(
        steps,
        *[[n for n in series.phases.get(p, (0,) * len(x)) for _ in (0, 1)] for p in shown],
        labels=[t("phase." + p) for p in shown],
        colors=[COLOURS[p] for p in shown],
    )
    pairs_axes.set_title(t("report.chart.pairs_title"))
    pairs_axes.set_ylabel(t("report.chart.pairs_axis"))
    pairs_axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    pairs_axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")

    width = 0.4
    meetings_axes.bar(
        [i - width / 2 for i in x],
        series.held,
        width,
        label=t("report.chart.held"),
        color="#3182bd",
    )
    meetings_axes.bar(
        [i + width / 2 for i in x],
        series.missed,
        width,
        label=t("report.chart.missed"),
        color="#fd8d3c",
    )
    meetings_axes.set_title(t("report.chart.meetings_title"))
    meetings_axes.set_ylabel(t("report.chart.meetings_axis"))
    meetings_axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    meetings_axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")

    every = max(1, -(-len(x) // MAX_LABELS))
    ticks = x[::every]
    meetings_axes.set_xticks(
        ticks, [format_skeleton("MMMd", series.weeks[i], locale=t.lang) for i in ticks]
    )
    meetings_axes.set_xlabel(t("report.chart.week_axis"))
    meetings_axes.set_xlim(-0.5, max(0.5, len(x) - 0.5))
    if programme_name:
        figure.suptitle(t("report.chart.title", name=programme_name))
    return figure


def chart_png(series: Series, language: str, programme_name: str = "") -> bytes:
    """The chart as a PNG image (900 × 700 pixels)."""
    out = io.BytesIO()
    chart_figure(series, language, programme_name).savefig(
        out, format="png", metadata={"Software": None}
    )
    return out.getvalue()
