"""`report [programme]`: the coordinator's report on one programme, as two files in the chat: a
table (CSV, one row per person and pair) and a chart (PNG, pairs by phase and meetings per
week), with a line of totals. Counts, dates and ratings only (``conversations.reports``): no
text anyone wrote is read for it. Closed programmes can be reported on too (at their end).

matplotlib is slow to import, so the chart module is imported when a report is made."""

from __future__ import annotations

import re
from datetime import date

from conversations.flags import FlagTable
from conversations.i18n import Texts
from conversations.messages import File, Message, Reply, Section
from conversations.parsing import CommandLine
from conversations.programme_choice import PROGRAMME_FLAG, my_programmes, pick_programme
from conversations.records import Programme
from conversations.reports.facts import load_facts
from conversations.reports.rows import csv_bytes, report_rows
from conversations.reports.series import weekly_series
from conversations.routes import Audience, CommandRoute, Routes
from conversations.turn import Turn

REPORT_FLAGS = FlagTable((PROGRAMME_FLAG,))


def _any_programme(turn: Turn, wanted: str) -> Programme | None:
    """The programme (open or closed) with this id or name, any case."""
    for programme in my_programmes(turn, status=None):
        if str(programme.id) == wanted or programme.name.lower() == wanted.lower():
            return programme
    return None


def file_stem(t: Texts, programme: Programme, day: date) -> str:
    """``rapport-ledare-2027-2027-04-12``: the report's word in the reader's language, the
    programme's name as letters, digits and dashes, and the day it was made."""
    slug = re.sub(r"[^\w]+", "-", programme.name.lower()).strip("-") or str(programme.id)
    return f"{t('report.file.word')}-{slug[:40]}-{day.isoformat()}"


def report_files(turn: Turn, programme: Programme) -> tuple[Message, int]:
    """The report on ``programme`` for the reader: a message with the CSV and the chart, and
    how many rows the table has."""
    from conversations.reports.chart import chart_png  # matplotlib: only when needed

    t = turn.t
    facts = load_facts(turn.repo, programme, turn.now)
    rows = report_rows(facts, t.tz)
    stem = file_stem(t, programme, turn.today)
    table = File(
        name=f"{stem}.csv",
        mime_type="text/csv",
        content=csv_bytes(rows, t.lang),
        title=t("report.file.csv_title", name=programme.name),
    )
    chart = File(
        name=f"{stem}.png",
        mime_type="image/png",
        content=chart_png(weekly_series(facts, t.tz), t.lang, programme.name),
        title=t("report.file.chart_title", name=programme.name),
    )
    people = {m.person_id for m in facts.members}
    message = Message(
        title=t("report.title", name=programme.name),
        sections=(
            Section(
                text=t(
                    "report.totals",
                    people=t("report.people", n=len(people)),
                    pairs=t("status.pairs", n=len(facts.pairs)),
                )
            ),
        ),
        note=t("report.privacy"),
        files=(table, chart),
    )
    return message, len(rows)


def report_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    """``report`` (the only open programme, or a question), ``report <id or name>`` (also a
    closed one) or ``report --program <id or name>``."""
    wanted = " ".join(line.args).strip()
    if wanted:
        found = _any_programme(turn, wanted)
        if found is None:
            return turn.say("program.not_found")
        programme: Programme | Reply = found
    else:
        programme = pick_programme(turn, line, mentions)
    if isinstance(programme, Reply):
        return programme
    message, rows = report_files(turn, programme)
    turn.audit("report.made", f"programme:{programme.id}", rows=rows)
    return turn.show(message)


ROUTES = Routes(
    commands=(
        CommandRoute(
            "report", ("rapport",), Audience.COORDINATOR, report_command, flags=REPORT_FLAGS
        ),
    ),
)
