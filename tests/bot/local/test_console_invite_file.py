"""`invite --file people.csv as adept` in the console (Swedish `--fil`): the rows are console
names, invited as if named; rows that name nobody (the console has no e-mail directory) are
listed back; a file that is not there is answered, nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conversations.records import Invitation, Person
from tests.bot.local.conftest import Session

Play = Callable[..., Session]
SPRING = 'program new "Vår 2027" --purpose onboarding --start 2027-01-11 --end 2027-04-04'


def invited(session: Session) -> set[str]:
    with session.services.store.transaction() as repo:
        ids = {p.id: p.platform_user_id for p in repo.find(Person)}
        return {ids[i.person_id] for i in repo.find(Invitation)}


def test_a_file_of_names_invites_each_and_lists_the_rows_not_found(
    console_session: Play, tmp_path: Path
) -> None:
    people = tmp_path / "personer.csv"
    people.write_text("namn\nbo\ncia\nokänd@example.org\n", encoding="utf-8")
    text = console_session([SPRING, f"bjud-in --fil {people} som adept", "/as bo", "/quit"]).text
    assert "Bjöd in 2 personer som adept till Vår 2027: bo, cia." in text
    assert "1 rad gav ingen person jag kunde hitta: okänd@example.org." in text
    assert "En inbjudan till Vår 2027" in text.split("bo> ", 1)[0]  # delivered to bo


def test_a_missing_file_is_answered_and_nothing_changes(
    console_session: Play, tmp_path: Path
) -> None:
    session = console_session([SPRING, f"invite --file {tmp_path / 'nope.csv'} as adept", "/quit"])
    assert "Jag kan inte öppna nope.csv." in session.text
    assert invited(session) == set()
