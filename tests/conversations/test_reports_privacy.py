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

from conversations.config import CoreConfig
from conversations.digest_message import digest_message
from conversations.i18n import Texts
from conversations.records import ALL_RECORDS, AuditEntry, Programme, ProgrammeStatus
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


# What else coordinators and operators read: `status` (with its follow-up list), the weekly
# digest, the `report` command's files, the audit log, and every log line written while the
# whole programme was built.


def _markers() -> list[str]:
    return list(PRIVATE.values())


def test_status_and_the_report_command_hold_no_text_anyone_wrote(reported: Built) -> None:
    bot = reported.bot
    status = "\n".join(m.plain_text() for m in bot.say("kim", "status --program 1").messages)
    assert "Ledare 2027" in status
    assert [m for m in _markers() if m in status] == []
    reply = bot.say("kim", "rapport")
    (message,) = reply.messages
    assert len(message.files) == 2
    for file in message.files:
        assert [m for m in _markers() if m.encode() in file.content] == []
    assert [m for m in _markers() if m in message.plain_text()] == []


@pytest.mark.parametrize("language", LANGS)
def test_the_digest_holds_no_text_anyone_wrote(reported: Built, language: str) -> None:
    with reported.bot.store.transaction() as repo:
        (programme,) = repo.find(Programme)
        reopened = programme.model_copy(update={"status": ProgrammeStatus.OPEN})
        repo.update(reopened)  # a digest is written for an open programme
        try:
            digest = digest_message(
                repo, programme.id or 0, reported.bot.clock.now(), CoreConfig(), Texts(language)
            )
        finally:
            repo.update(
                repo.get(Programme, programme.id or 0).model_copy(
                    update={"status": programme.status}
                )
            )  # type: ignore[union-attr]
    assert digest is not None
    text = digest.plain_text()
    assert "Ledare 2027" in text
    assert [m for m in _markers() if m in text] == []


def test_the_audit_log_and_the_log_lines_hold_no_text_anyone_wrote(reported: Built) -> None:
    entries = "\n".join(repr(e) for e in reported.bot.record(AuditEntry))
    assert "pair.ended" in entries and "pulse.answered" in entries
    assert [n for n, m in PRIVATE.items() if m in entries] == []
    logs = "\n".join(reported.logs)
    assert "event=handled" in logs  # the lines were captured
    assert [n for n, m in PRIVATE.items() if m in logs] == []
    assert [w for w, m in FEEDBACK_MARKERS.items() if m in entries + logs] == []
