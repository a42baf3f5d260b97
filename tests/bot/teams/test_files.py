"""Teams: a file too large for one activity (Teams refuses activities over ~28 KB) still
reaches the reader: a chart redrawn with a palette, a table in parts each with its header, and
anything else as a line in their language saying it is too large."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import date, timedelta

from bot.teams.files import FILE_BYTES, file_activities, fit
from bot.teams.replies import message_activities
from conversations.messages import File, Message
from conversations.records import Phase
from conversations.reports.chart import chart_png
from conversations.reports.series import Series

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _chart(weeks: int = 26) -> File:
    days = tuple(date(2026, 11, 2) + timedelta(weeks=i) for i in range(weeks))
    series = Series(
        days,
        {Phase.INTRO: tuple(i % 3 for i in range(weeks)), Phase.ACTIVE: (4,) * weeks},
        tuple(i % 4 for i in range(weeks)),
        tuple(i % 2 for i in range(weeks)),
    )
    return File(name="rapport.png", mime_type="image/png", content=chart_png(series, "sv", "Vår"))


def _table(rows: int) -> File:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Namn", "Roll", "Kommentar"])
    for n in range(rows):
        writer.writerow([f"Person {n}", "adept", 'två\nrader; och "citat"'])
    return File(
        name="rapport.csv", mime_type="text/csv", content=out.getvalue().encode("utf-8-sig")
    )


def _activity_bytes(file: File) -> int:
    message = Message(title="Rapport", files=(file,))
    return max(len(json.dumps(a.serialize()).encode()) for a in message_activities(message, "sv"))


def test_a_chart_too_large_for_an_activity_is_redrawn_with_a_palette() -> None:
    chart = _chart()
    assert len(chart.content) > FILE_BYTES  # as the report draws it
    (smaller,) = fit(chart, "sv")
    assert smaller.name == "rapport.png" and smaller.content.startswith(PNG_MAGIC)
    assert len(smaller.content) <= FILE_BYTES
    assert _activity_bytes(chart) < 28_000


def test_a_large_table_goes_in_parts_each_with_its_header_and_every_row_once() -> None:
    table = _table(400)
    parts = fit(table, "sv")
    assert len(parts) > 1
    assert [p.name for p in parts] == [f"rapport-del-{n}.csv" for n in range(1, len(parts) + 1)]
    rows: list[list[str]] = []
    for part in parts:
        assert len(part.content) <= FILE_BYTES
        read = list(csv.reader(io.StringIO(part.content.decode("utf-8-sig")), delimiter=";"))
        assert read[0] == ["Namn", "Roll", "Kommentar"]  # each part opens in a spreadsheet
        rows += read[1:]
    assert [r[0] for r in rows] == [f"Person {n}" for n in range(400)]
    assert all(r[2] == 'två\nrader; och "citat"' for r in rows)  # never split inside a record
    assert fit(table, "en")[0].name == "rapport-part-1.csv"
    assert _activity_bytes(table) < 28_000


def test_a_small_file_goes_as_it_is() -> None:
    table = _table(3)
    assert fit(table, "sv") == [table]
    (activity,) = file_activities(table, "sv")
    (attachment,) = activity.attachments
    assert attachment.name == "rapport.csv" and attachment.content_type == "text/csv"
    assert base64.b64decode(attachment.content_url.split(",", 1)[1]) == table.content


def test_any_other_file_too_large_is_named_in_the_readers_language() -> None:
    big = File(name="bilaga.pdf", mime_type="application/pdf", content=b"%" * 50_000)
    (said,) = file_activities(big, "sv")
    assert not said.attachments
    assert said.text == "bilaga.pdf (50 kB) är för stor för att skickas i en chatt i Teams."
    (said,) = file_activities(big, "en")
    assert said.text == "bilaga.pdf (50 KB) is too large to send in a Teams chat."
