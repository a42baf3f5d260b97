"""No text anyone wrote reaches a report, except the closing reviews' feedback to the
programme, which the summary shows without names. Unique markers are planted in every free
text the bot stores (journal, check-in, preparation, goal, comment, agreement, meeting place,
enrolment, mid-point and closing review answers, the coordinator's note on ending a pair),
and searched for in the CSV, the chart (as PNG, and as SVG text), the summary, and in what
the report reads from the store in the first place."""

from __future__ import annotations

import io

import matplotlib
import pytest

from conversations.records import ALL_RECORDS
from conversations.reports.chart import chart_figure, chart_png
from conversations.reports.rows import csv_bytes, report_rows
from conversations.reports.series import weekly_series
from conversations.reports.summary import summary_message
from tests.conversations.reporting import FEEDBACK_MARKERS, PRIVATE, STOCKHOLM, Built

LANGS = ("sv", "en")


def stored(reported: Built) -> str:
    with reported.bot.store.transaction() as repo:
        return "\n".join(repr(record) for cls in ALL_RECORDS for record in repo.find(cls))


def test_every_marker_was_stored_so_the_search_means_something(reported: Built) -> None:
    everything = stored(reported)
    assert [name for name, marker in PRIVATE.items() if marker not in everything] == []
    assert [who for who, marker in FEEDBACK_MARKERS.items() if marker not in everything] == []


def test_what_the_report_reads_holds_no_private_text(reported: Built) -> None:
    read = repr(reported.facts)
    assert [name for name, marker in PRIVATE.items() if marker in read] == []


@pytest.mark.parametrize("language", LANGS)
def test_the_csv_holds_no_text_anyone_wrote(reported: Built, language: str) -> None:
    data = csv_bytes(report_rows(reported.facts, STOCKHOLM), language)
    text = data.decode("utf-8-sig")
    assert "bo" in text  # names are there: the search reads the right bytes
    leaked = [m for m in [*PRIVATE.values(), *FEEDBACK_MARKERS.values()] if m in text]
    assert leaked == []
    assert [m for m in PRIVATE.values() if m.encode() in data] == []


@pytest.mark.parametrize("language", LANGS)
def test_the_chart_holds_no_text_anyone_wrote(reported: Built, language: str) -> None:
    series = weekly_series(reported.facts, STOCKHOLM)
    figure = chart_figure(series, language, reported.facts.programme.name)
    out = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(out, format="svg")
    svg = out.getvalue().decode("utf-8")
    assert reported.facts.programme.name in svg  # the texts are searchable as text
    markers = [*PRIVATE.values(), *FEEDBACK_MARKERS.values()]
    assert [m for m in markers if m in svg] == []
    png = chart_png(series, language, reported.facts.programme.name)
    assert [m for m in markers if m.encode() in png] == []


@pytest.mark.parametrize("language", LANGS)
def test_the_summary_holds_only_the_feedback_to_the_programme(
    reported: Built, language: str
) -> None:
    text = summary_message(reported.facts, language).plain_text()
    assert [name for name, marker in PRIVATE.items() if marker in text] == []
    # The one text meant for the coordinators: the closing review's "feedback" field,
    # labelled "Feedback to the programme" on the form, whose hint says coordinators read it.
    assert [who for who, marker in FEEDBACK_MARKERS.items() if marker not in text] == []
