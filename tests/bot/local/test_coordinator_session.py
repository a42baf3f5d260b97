"""The coordinator's toolkit in the console, as a Swedish coordinator would use it: invite ten
people, eight accept through the intake form (one declines, one never answers), `matcha`
proposes four pairs, three are approved; weeks later `status` names the pair that never met,
the people without a partner and a missed meeting, and `rapport` writes a CSV and a chart."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conversations.records import Enrolment, Invitation, Meeting, MeetingStatus, Pair, Person
from tests.bot.local.test_five_month_session import Recording, Script, replay

MENTORS = ("anna", "cecilia", "erik", "greta")
ADEPTS = ("bo", "david", "fia", "hugo", "ida", "jon")
DECLINES, SILENT = "greta", "jon"
DEPARTMENT = {"anna": "Ekonomi", "cecilia": "Ekonomi", "erik": "Produktion"}


@dataclass
class CoordinatorScript(Script):
    def approve(self, label: str) -> Iterator[str]:
        """Press the coordinator's approve button with this label (one per proposal)."""
        buttons = self.c.state.pressable("koordinator")
        (number,) = [n for n, b in buttons.items() if b.label == label]
        yield str(number)

    def which_pair(self, who: str, partner: str) -> Iterator[str]:
        """A mentor of two adepts is asked which pair a command is for: the partner's button."""
        chosen = [
            n
            for n, b in self.c.state.pressable(who).items()
            if b.action == "pair.choose" and b.label == partner
        ]
        if chosen:
            yield str(chosen[-1])

    def lines(self) -> Iterator[str]:
        yield 'program ny "Vår 2027" --syfte introduktion --start 2027-01-11 --slut 2027-06-13'
        yield f"bjud-in {' '.join('@' + m for m in MENTORS)} som mentor"
        yield f"bjud-in {' '.join('@' + a for a in ADEPTS)} som adept"
        for who in MENTORS + ADEPTS:
            if who == SILENT:
                continue
            if who == DECLINES:
                yield from self.press(who, "invitation.decline", "hem")
                continue
            yield from self.press(who, "invitation.accept", "hem")
            yield from self.answer(
                {
                    "Roll": "",
                    "Ett ämne till": "-",
                    "Ett ämne:": "1",
                    "Med dina egna ord": "-",
                    "Avdelning": DEPARTMENT.get(who, "IT"),
                    "Din chef": "-",
                    "Som mentor": "2" if who == "anna" else "1",
                    "Personer du helst": "-",
                    "Jag godkänner": "ja",
                }
            )
        yield "/som koordinator"
        yield "program lista"
        yield "matcha"
        for label in ("Godkänn 1", "Godkänn 2", "Godkänn 3"):
            yield from self.approve(label)
        yield "/klocka +1d"
        pairs = self.pairs()
        assert len(pairs) == 3, pairs
        (missed_mentor, missed_adept), (_, met_adept), _never = pairs
        # One pair books and does not meet; one meets; the third never books.
        yield from self.command(missed_adept, "möte 2027-01-14 10:00 Kontoret")
        yield from self.command(met_adept, "möte 2027-01-14 13:00 Kaféet")
        yield "/klocka +3d"
        for who, partner in ((missed_adept, missed_mentor), (missed_mentor, missed_adept)):
            yield from self.command(who, "incheckning")
            yield from self.which_pair(who, partner)
            yield from self.answer({"Träffades": "2"})
        yield from self.command(met_adept, "incheckning")
        yield from self.answer({"Träffades": "1", "Vad tog": "Vi lärde känna varandra"})
        yield "/som koordinator"
        yield "/klocka +12d"
        yield "status"
        yield "rapport"

    def pairs(self) -> list[tuple[str, str]]:
        with self.c.services.store.transaction() as repo:
            names = {p.id: p.platform_user_id for p in repo.find(Person)}
            found = sorted(repo.find(Pair), key=lambda p: p.id or 0)
        return [(names[p.mentor_id], names[p.adept_id]) for p in found]


@pytest.fixture
def session(tmp_path: Path) -> Iterator[tuple[Recording, CoordinatorScript]]:
    yield from replay(tmp_path / "coord.db", CoordinatorScript)


def test_invite_intake_match_approve_follow_up_and_report_in_the_console(
    session: tuple[Recording, CoordinatorScript],
) -> None:
    console, script = session
    out = console.out.getvalue()
    with console.services.store.transaction() as repo:
        invitations = repo.find(Invitation)
        consented = [e for e in repo.find(Enrolment) if e.consent_at is not None]
        meetings = repo.find(Meeting)
    assert len(invitations) == 10
    assert len(consented) == 8  # only those who accepted, each with the time of consent
    assert "10 skickade — 8 tackade ja, 1 tackade nej, 1 har inte svarat" in out

    proposals = out.split("koordinator> matcha", 1)[1].split("koordinator>", 1)[0]
    assert proposals.count("(mentor) och") == 4  # anna takes two; one adept is left over
    assert "delar" in proposals and "Utan partner:" in proposals

    pairs = script.pairs()
    assert len(pairs) == 3
    (_, missed_adept), _, (never_mentor, never_adept) = pairs
    assert [m.status for m in meetings if m.status == MeetingStatus.MISSED] == [
        MeetingStatus.MISSED
    ]
    paired = {who for pair in pairs for who in pair}
    unpaired = sorted(set(MENTORS + ADEPTS) - paired - {DECLINES, SILENT})

    status = out.rsplit("koordinator> status", 1)[1].split("koordinator> rapport", 1)[0]
    assert f"{never_mentor} & {never_adept}: inget första möte" in status
    assert "1 möte blev inte av" in status and missed_adept in status
    for name in unpaired:
        assert name in status.split("Utan par", 1)[1].split("\n", 1)[0]
    report = out.rsplit("koordinator> rapport", 1)[1]
    paths = [
        Path(line.rsplit(" ", 1)[1].rstrip(")"))
        for line in report.splitlines()
        if "sparad som" in line
    ]
    assert sorted(p.suffix for p in paths) == [".csv", ".png"]
    csv = next(p for p in paths if p.suffix == ".csv").read_text(encoding="utf-8-sig")
    assert csv.count("\n") >= 9  # a row per person in the programme
    png = next(p for p in paths if p.suffix == ".png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
