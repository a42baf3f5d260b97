"""A five-month programme for one Swedish pair, replayed in the console as its people would type
it: a Swedish coordinator sets it up; the adept books meetings by typing `möte …`, moves one,
pauses twice (once while a reflection prompt is open), answers the weekly prompts in the chat
and checks in after each meeting; one meeting does not take place.

What it must show: every typed command is run (none ends in the journal), 16 or more weekly
prompts with no question again within six weeks, the held and missed counts right, and no
English word in anything addressed to the Swedish pair."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from bot.local.console import Console
from bot.services import build_services
from bot.settings import load_settings
from conversations.locales import en, sv
from conversations.memory import ManualClock
from conversations.messages import Form, Message, Reply
from conversations.records import (
    Meeting,
    MeetingStatus,
    OutboxItem,
    Pair,
    Person,
    Phase,
    Reflection,
)
from conversations.refs import PromptRef
from tests.bot.local.conftest import APP_YAML, START

END = date(2027, 6, 13)
# The meetings the adept books a week ahead (Tuesdays 10:00; the first on a Thursday).
MEETINGS = [date(2027, 1, 14)] + [date(2027, 1, 26) + timedelta(weeks=2 * i) for i in range(10)]
MISSED = date(2027, 3, 23)  # neither could come
MOVED = (date(2027, 4, 20), "2027-04-21 13:00")  # moved a day, from its booking message
PAUSES = (date(2027, 2, 13), date(2027, 4, 24))  # Saturdays: a week away each time
# The Saturday the adept types the next meeting while that week's prompt is open.
TYPED_DURING_PROMPT = (date(2027, 3, 6), date(2027, 3, 9))


@dataclass
class Seen:
    """What each person was shown: replies to them and messages delivered to them."""

    to: dict[str, list[Message]] = field(default_factory=dict)
    forms: dict[str, list[str]] = field(default_factory=dict)
    prompts: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)  # weekly

    def add(self, who: str, message: Message) -> None:
        self.to.setdefault(who, []).append(message)


class Recording(Console):
    seen: Seen

    def _read(self, prompt: str) -> str | None:
        line = super()._read(prompt)  # asked before reading: the script sees the question
        if line is not None:
            self.write(line)  # and the transcript shows what was typed
        return line

    def show_reply(self, reply: Reply) -> None:
        for message in reply.messages:
            self.seen.add(self.state.me, message)
        if reply.form is not None:
            labels = [reply.form.title, *(f.label for f in reply.form.fields)]
            labels += [c.label for f in reply.form.fields for c in f.choices]
            self.seen.forms.setdefault(self.state.me, []).extend(labels)
        super().show_reply(reply)

    def show_delivered(self, item: OutboxItem, message: Message) -> None:
        with self.services.store.transaction() as repo:
            if item.person_id is not None:
                ids = [item.person_id]
            else:
                pair = repo.get(Pair, item.pair_id or 0)
                ids = list(pair.member_ids()) if pair else []
            for pid in ids:
                person = repo.get(Person, pid)
                if person is not None:
                    self.seen.add(person.platform_user_id, message)
                    if item.kind == "reflection-prompt":
                        (ref,) = [PromptRef.decode(b.value) for b in message.buttons]
                        assert ref is not None
                        prompts = self.seen.prompts.setdefault(person.platform_user_id, [])
                        prompts.append((item.due_at, ref.key))
        super().show_delivered(item, message)

    def fill(
        self,
        form: Form,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
    ) -> Reply:
        labels = [form.title, *(f.label for f in form.fields)]
        labels += [c.label for f in form.fields for c in f.choices]
        self.seen.forms.setdefault(self.state.me, []).extend(labels)
        return super().fill(form, errors, values)


@dataclass
class Script:
    """Decides each line from what the console has shown, as a person would."""

    c: Recording
    typed_commands: list[str] = field(default_factory=list)
    journal_typed: list[str] = field(default_factory=list)
    prompts_seen: dict[str, int] = field(default_factory=dict)
    done: set[tuple[str, str]] = field(default_factory=set)

    # -- reading the console ------------------------------------------------------------
    def out(self) -> str:
        return self.c.out.getvalue()  # type: ignore[attr-defined]

    def asked(self) -> str:
        """The question the console is waiting on (with its choices, for a choice)."""
        lines = self.out().split("\n")
        return lines[-2] + lines[-1] if lines[-1].lstrip().startswith(">") else lines[-1]

    def now(self) -> datetime:
        return self.c.clock.now()

    def today(self) -> date:
        return self.now().astimezone(self.c._texts().tz).date()

    def prompts_to(self, who: str) -> list[OutboxItem]:
        with self.c.services.store.transaction() as repo:
            person = repo.first(Person, platform_user_id=who)
            rows = repo.find(OutboxItem, person_id=person.id if person else -1)
        return sorted(
            (r for r in rows if r.kind == "reflection-prompt" and r.sent_at is not None),
            key=lambda r: r.due_at,
        )

    # -- typing ---------------------------------------------------------------------------
    def command(self, who: str, line: str) -> Iterator[str]:
        yield f"/som {who}"
        self.typed_commands.append(line)
        yield line

    def press(self, who: str, action: str, shown_by: str) -> Iterator[str]:
        """Press the newest ``action`` button; if it was shown before the person's last
        message, ask for it again with the command that shows it."""
        yield f"/som {who}"
        number = self.c.button_number(who, action)
        if number is None:
            self.typed_commands.append(shown_by)
            yield shown_by
            number = self.c.button_number(who, action)
        assert number is not None, f"{who} has no {action} button:\n{self.out()[-1500:]}"
        yield str(number)

    def answer(self, answers: dict[str, str]) -> Iterator[str]:
        """Answer the form now being asked: by the words of each question, else keep the
        value shown (Enter)."""
        while True:
            asked = self.asked()
            if not asked.startswith("  "):
                return  # the form is done: back at a `name>` prompt
            yield next((v for k, v in answers.items() if k in asked), "")

    # -- the programme --------------------------------------------------------------------
    def lines(self) -> Iterator[str]:
        yield 'program ny "Vår 2027" --syfte onboarding --start 2027-01-11 --slut 2027-06-13'
        yield "registrera @anna som mentor"
        yield "registrera @bo som adept"
        for who in ("anna", "bo"):  # each agrees to the programme's data use first
            yield from self.press(who, "enrolment.consent", "hem")
        yield "/som koordinator"
        yield "para @anna @bo"
        yield from self.command("bo", f"möte {MEETINGS[0]} 10:00 Kaféet")
        while self.today() < END:
            yield "/klocka +1d"
            yield from self.day()
        yield "/som koordinator"
        yield "status"

    def day(self) -> Iterator[str]:
        today = self.today()
        # The day after a meeting: both check in (one meeting did not take place).
        for meeting_day in MEETINGS:
            moved = MOVED[0] == meeting_day
            held_on = date.fromisoformat(MOVED[1][:10]) if moved else meeting_day
            if today == held_on + timedelta(days=1):
                for who in ("bo", "anna"):
                    yield from self.check_in(who, met=meeting_day != MISSED)
                if meeting_day == MEETINGS[0]:
                    yield from self.goals_and_agreement()
        # A week ahead, the adept books the next meeting by typing it.
        for meeting_day in MEETINGS[1:]:
            if today == meeting_day - timedelta(days=7) and meeting_day != TYPED_DURING_PROMPT[1]:
                yield from self.command("bo", f"möte {meeting_day} 10:00 Kaféet")
                if meeting_day == MOVED[0]:
                    yield from self.press("bo", "meeting.move", "hem")
                    yield from self.answer({"Datum och tid": MOVED[1]})
        # Weekly prompts: answered in the chat; on some days a command comes first.
        for who in ("bo", "anna"):
            sent = len(self.prompts_to(who))
            if sent > self.prompts_seen.get(who, 0):
                self.prompts_seen[who] = sent
                if who == "bo" and today in PAUSES:
                    yield from self.command("bo", "paus 1v")
                if who == "bo" and today == TYPED_DURING_PROMPT[0]:
                    yield from self.command("bo", f"möte {TYPED_DURING_PROMPT[1]} 10:00 Kaféet")
                text = f"Vecka {today.isocalendar().week}: {who} märkte att tempot var högt."
                self.journal_typed.append(text)
                yield f"/som {who}"
                yield text
        yield from self.reviews()

    def check_in(self, who: str, met: bool) -> Iterator[str]:
        yield from self.command(who, "incheckning")
        answers = {"Träffades": "1" if met else "2"}
        if met:
            answers |= {"Vad tog": "Hur jag leder möten", "Vad ska": "Förbereda frågor"}
        yield from self.answer(answers)

    def goals_and_agreement(self) -> Iterator[str]:
        yield from self.press("bo", "goals.draft", "mål")
        yield from self.answer(
            {
                "Mål 1: vad": "Leda teammöten med tydlig agenda",
                "Mål 1: hur": "Teamet säger att mötena är givande",
                "Mål 1: var står": "2",
                "Mål 2: vad": "-",
                "Mål 3: vad": "-",
            }
        )
        yield from self.press("anna", "goals.confirm", "mål")
        yield from self.press("anna", "agreement.propose", "avtal")
        yield from self.answer({})
        yield from self.press("bo", "agreement.accept", "avtal")

    def reviews(self) -> Iterator[str]:
        for who in ("bo", "anna"):
            for action in ("review.midpoint", "review.closing"):
                number = self.c.button_number(who, action)
                key = (who, action)
                if number is None or key in self.done:
                    continue
                self.done.add(key)
                yield f"/som {who}"
                yield str(number)
                yield from self.answer(
                    {
                        "Mål": "4",
                        "Hur går": "Bra, vi ses regelbundet",
                        "Vad har du lärt": "Att fråga mer och prata mindre",
                        "programmet": "Bra struktur",
                        "ny mentor": "2",
                    }
                )


def _words(texts: Iterator[str]) -> set[str]:
    return {w.casefold() for t in texts for w in re.findall(r"[A-Za-zÅÄÖåäöÉé]{3,}", t)}


def _catalog_text(catalog: dict[str, object]) -> Iterator[str]:
    for value in catalog.values():
        if isinstance(value, str):
            yield re.sub(r"\{[^}]*\}", " ", value)
        elif isinstance(value, dict):
            yield from (re.sub(r"\{[^}]*\}", " ", v) for v in value.values())


S = TypeVar("S", bound=Script)


def replay(database: Path, make: Callable[[Recording], S]) -> Iterator[tuple[Recording, S]]:
    """A console on a fresh database, asking before it reads (so the script sees each question),
    run to the end of what ``make``'s script types; closed after the test."""
    settings = load_settings(APP_YAML, database={"url": f"sqlite:///{database}"})
    clock = ManualClock(START)
    services = build_services(settings, clock)
    console = Recording(services, clock, io.StringIO(), interactive=True)
    console.seen = Seen()
    script = make(console)
    console.run(script.lines())
    yield console, script
    services.close()


@pytest.fixture
def session(tmp_path: Path) -> Iterator[tuple[Recording, Script]]:
    yield from replay(tmp_path / "five.db", Script)


def test_a_five_month_programme_in_swedish_as_its_people_type_it(
    session: tuple[Recording, Script],
) -> None:
    console, script = session
    store = console.services.store
    with store.transaction() as repo:
        (pair,) = repo.find(Pair)
        meetings = repo.find(Meeting)
        journal = [r.text for r in repo.find(Reflection)]
        bo = repo.first(Person, platform_user_id="bo")
    assert pair.phase in (Phase.CLOSING, Phase.COMPLETED, Phase.ACTIVE), pair.phase

    # Every typed command ran: none is in the journal, and what they do happened.
    assert not set(journal) & set(script.typed_commands)
    assert sorted(journal) == sorted(script.journal_typed)
    assert len([m for m in meetings if m.status != MeetingStatus.CANCELLED]) == len(MEETINGS)
    moved = [m for m in meetings if m.sequence > 0]
    assert len(moved) == 1 and moved[0].starts_at.astimezone(UTC).day == 21
    assert bo is not None
    pauses = [line for line in console.out.getvalue().splitlines() if "är borta" in line]
    assert len(pauses) >= 2, "both pauses reached the mentor"

    # 16 or more weekly prompts to each, no question again within six weeks.
    for who in ("bo", "anna"):
        asked = console.seen.prompts[who]
        assert len(asked) == len(script.prompts_to(who)) >= 16, (who, len(asked))
        for i, (when, key) in enumerate(asked):
            for later, other in asked[i + 1 :]:
                if later - when < timedelta(weeks=6):
                    assert other != key, f"{who}: {key} again after {later - when}"

    # Held and missed add up, in the coordinator's status.
    held = sum(1 for m in meetings if m.status == MeetingStatus.HELD)
    missed = sum(1 for m in meetings if m.status == MeetingStatus.MISSED)
    assert (held, missed) == (len(MEETINGS) - 1, 1)
    status = console.out.getvalue().rsplit("koordinator> status", 1)[1]
    assert f"{held} hållna möten ({missed} blev inte av" in status

    # Not one English word to the Swedish pair.
    english_only = _words(_catalog_text(en.TEXTS)) - _words(_catalog_text(sv.TEXTS))
    assert {"meeting", "goals", "week", "journal"} <= english_only
    for who in ("bo", "anna"):
        said = [m.plain_text() for m in console.seen.to[who]] + console.seen.forms.get(who, [])
        found = {w for text in said for w in _words(iter([text]))} & english_only
        assert not found, (who, sorted(found))
