"""The report's table: one row per person and pair, the right counts (held, missed,
unconfirmed), the adept's first and last self-ratings, and a CSV a spreadsheet opens in the
coordinator's language."""

from __future__ import annotations

import csv
import io
import re

from conversations.records import Phase, Role
from conversations.reports.rows import ReportRow, csv_bytes, headers, report_rows
from tests.conversations.reporting import NEVER_PAIRED, STOCKHOLM, Built


def table(data: bytes, delimiter: str) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def by_name(rows: list[dict[str, str]], column: str) -> dict[str, dict[str, str]]:
    return {row[column]: row for row in rows}


def test_one_row_per_person_and_pair_with_the_pairs_facts(reported: Built) -> None:
    rows = report_rows(reported.facts, STOCKHOLM)
    assert [(r.name, r.role) for r in rows] == [
        ("anna", Role.MENTOR),
        ("bo", Role.ADEPT),
        ("cecilia", Role.MENTOR),
        ("david", Role.ADEPT),
        ("erik", Role.MENTOR),
        ("fia", Role.ADEPT),
        (NEVER_PAIRED, Role.ADEPT),
    ]
    rows_by = {r.name: r for r in rows}
    bo = rows_by["bo"]
    assert (bo.pair_id, bo.partner, bo.phase) == (reported.pair_ids["bo"], "anna", Phase.COMPLETED)
    assert (bo.paired_on.isoformat(), bo.ended_on and bo.ended_on.isoformat()) == (
        "2027-01-11",
        "2027-03-29",
    )
    assert bo.agreement_accepted_on is not None and bo.agreement_accepted_on.isoformat() == (
        "2027-01-26"
    )
    assert rows_by["fia"].agreement_accepted_on.isoformat() == "2027-02-02"  # type: ignore[union-attr]
    assert (bo.outcome, rows_by["fia"].outcome) == ("completed", "ended-early")
    assert rows_by["anna"].meetings == bo.meetings  # a pair's columns on both rows
    assert rows_by[NEVER_PAIRED] == ReportRow(
        rows_by[NEVER_PAIRED].person_id, NEVER_PAIRED, Role.ADEPT
    )


def test_meetings_held_missed_and_unconfirmed_are_counted_per_pair(reported: Built) -> None:
    rows = {r.name: r for r in report_rows(reported.facts, STOCKHOLM)}
    held_missed_unconfirmed = {
        name: (r.meetings.held, r.meetings.missed, r.meetings.unconfirmed)
        for name, r in rows.items()
        if r.role == Role.ADEPT and r.pair_id is not None
    }
    # bo and anna met twice; david and cecilia both said they did not meet, then met; fia's
    # first meeting had no check-in at all, three days after it (unconfirmed), her second did.
    assert held_missed_unconfirmed == {"bo": (2, 0, 0), "david": (1, 1, 0), "fia": (1, 0, 1)}


def test_goal_ratings_first_and_last_per_goal_with_their_averages(reported: Built) -> None:
    rows = {r.name: r for r in report_rows(reported.facts, STOCKHOLM)}
    bo = rows["bo"]
    # Goal 1: 2 at the start, 4 at the mid-point; goal 2: 3 both times.
    assert [(g.first, g.last) for g in bo.goal_ratings] == [(2, 4), (3, 3), (None, None)]
    assert (bo.goals, bo.goals_rated, bo.first_average, bo.last_average) == (2, 2, 2.5, 3.5)
    assert bo.goals_achieved == 1
    fia = rows["fia"]  # rated once: first and last are the same rating
    assert (fia.goal_ratings[0].first, fia.goal_ratings[0].last) == (4, 4)
    assert rows["david"].goal_ratings[0].last == 3


def test_the_english_csv(reported: Built) -> None:
    data = csv_bytes(report_rows(reported.facts, STOCKHOLM), "en")
    assert data.decode("utf-8-sig").splitlines()[0].startswith("Person ID,Name,Role,Pair ID")
    rows = by_name(table(data, ","), "Name")
    assert list(rows["bo"]) == headers("en")
    assert rows["bo"]["Meetings held"] == "2" and rows["bo"]["Meetings missed"] == "0"
    assert rows["david"]["Meetings missed"] == "1"
    assert rows["fia"]["Meetings unconfirmed"] == "1"
    assert rows["bo"]["Average first rating"] == "2.5"
    assert rows["bo"]["Goal 1: last rating"] == "4"
    assert rows["bo"]["Agreement accepted"] == "2027-01-26"
    assert (rows["bo"]["Phase"], rows["bo"]["Closing outcome"]) == ("completed", "completed")
    assert rows["fia"]["Closing outcome"] == "ended early"
    assert rows["bo"]["Role"] == "adept" and rows["anna"]["Role"] == "mentor"
    assert set(rows[NEVER_PAIRED].values()) - {
        NEVER_PAIRED,
        "adept",
        rows[NEVER_PAIRED]["Person ID"],
    } == {""}


def test_the_swedish_csv_separates_with_semicolons_and_writes_decimal_commas(
    reported: Built,
) -> None:
    data = csv_bytes(report_rows(reported.facts, STOCKHOLM), "sv")
    first_line = data.decode("utf-8-sig").splitlines()[0]
    assert first_line.startswith("Deltagarnr;Namn;Roll;Parnr;Motpart;Fas")
    assert "Hållna möten" in first_line  # å and ö, readable once Excel sees the BOM
    rows = by_name(table(data, ";"), "Namn")
    assert rows["bo"]["Hållna möten"] == "2" and rows["david"]["Uteblivna möten"] == "1"
    assert rows["bo"]["Första skattning i snitt"] == "2,5"
    assert (rows["bo"]["Fas"], rows["fia"]["Utfall"]) == ("slutförd", "avbrutet")
    assert rows["bo"]["Avtal godkänt"] == "2027-01-26"


def words(texts: list[str]) -> set[str]:
    return {w.casefold() for text in texts for w in re.findall(r"[^\W\d_]+", text)}


def test_swedish_headers_hold_no_english_word_and_english_headers_no_swedish_one() -> None:
    swedish, english = words(headers("sv")), words(headers("en"))
    assert swedish & english == set()
    assert not any(h.startswith("report.") for h in headers("sv") + headers("en")), "a key shows"


def test_a_name_a_spreadsheet_would_run_as_a_formula_stays_text() -> None:
    rows = [ReportRow(1, '=HYPERLINK("http://x")', Role.MENTOR), ReportRow(2, "@bo", Role.ADEPT)]
    lines = csv_bytes(rows, "en").decode("utf-8-sig").splitlines()
    assert lines[1].startswith('1,"\'=HYPERLINK(""http://x"")"') or lines[1].startswith("1,'=")
    assert lines[2].startswith("2,'@bo,")
