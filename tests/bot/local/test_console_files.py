"""On the console a calendar invitation is a file written next to the database, one folder per
person, and a line in the reader's language says where."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import time
from pathlib import Path

from bot.local.console import Console
from bot.local.files import files_folder, save
from bot.settings import load_settings
from conversations.messages import File
from tests.bot.local.conftest import APP_YAML, SETUP, Session, block_with
from tests.invitations import english_words_in, read_invitation

Play = Callable[..., Session]


def test_a_booked_and_cancelled_meeting_writes_each_members_calendar_file(
    console_session: Play, tmp_path: Path
) -> None:
    def lines(console: Console) -> Iterator[str]:
        yield from SETUP
        yield "/as bo"
        yield "möte 2027-01-14 10:00 Kaféet"
        yield "/as anna"
        yield str(console.button_number("anna", "meeting.cancel"))
        yield str(console.button_number("anna", "meeting.cancel_confirm"))
        yield "/quit"

    text = console_session(lines).text
    files = tmp_path / "files"  # beside the test's database, console.db
    booked = files / "bo" / "möte-2027-01-14.ics"
    title = "Kalenderfil: mentorsmöte torsdag 14 januari 2027 10:00"
    _, reply = block_with(text, "Bokat: torsdag 14 januari 2027 10:00")
    assert f"({title} – sparad som {booked})" in reply
    header, notice = block_with(text, "bo bokade ett möte")
    assert header.startswith("── till anna")
    assert f"({title} – sparad som {files / 'anna' / 'möte-2027-01-14.ics'})" in notice
    invitation = read_invitation(booked.read_bytes())
    assert (invitation.method, invitation.sequence, invitation.location) == ("REQUEST", 0, "Kaféet")
    assert invitation.start.time() == time(10, 0) and invitation.tzid == "Europe/Stockholm"
    assert english_words_in(invitation.words) == set()

    cancelled = read_invitation((files / "bo" / "avbokat-möte-2027-01-14.ics").read_bytes())
    assert (cancelled.method, cancelled.uid, cancelled.sequence) == ("CANCEL", invitation.uid, 1)
    assert (files / "anna" / "avbokat-möte-2027-01-14.ics").is_file()


def test_the_files_go_beside_the_database_or_beside_app_yaml(tmp_path: Path) -> None:
    default = load_settings(APP_YAML)
    assert files_folder(default) == APP_YAML.parent / "var" / "files"
    elsewhere = load_settings(APP_YAML, database={"url": "postgresql+psycopg://db/mentorbot"})
    assert files_folder(elsewhere) == APP_YAML.parent / "var" / "files"
    here = load_settings(APP_YAML, database={"url": f"sqlite:///{tmp_path / 'data' / 'x.db'}"})
    assert files_folder(here) == tmp_path / "data" / "files"


def test_a_file_name_cannot_leave_its_folder(tmp_path: Path) -> None:
    file = File(name="../../etc/passwd", mime_type="text/plain", content=b"x")
    path = save(tmp_path, "../anna", file)
    assert path.parent.parent == tmp_path and path.read_bytes() == b"x"
