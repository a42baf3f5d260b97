"""``mentorbot demo``: a whole programme for a generated cohort, on a fast-forward clock.

The demo types into the offline console exactly what people would type, and presses the
buttons they were sent; the console's output is the transcript. It reacts to what actually
arrived (a journal entry is written only when the reflection prompt came), so it also shows
that the scheduler sends the right nudges at the right local times.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.local.console import Console
from bot.services import build_services
from bot.settings import load_settings
from conversations.memory import ManualClock

START = datetime(2027, 1, 11, 7, 0, tzinfo=UTC)  # Monday 08:00 in Stockholm
PROGRAMME_END = date(2027, 4, 4)  # twelve weeks


@dataclass(frozen=True)
class Person:
    handle: str
    goal: str
    signal: str


MENTORS = tuple(Person(handle, "", "") for handle in ("anna", "karin", "erik", "lena", "jonas"))
ADEPTS = {
    "sv": (
        Person(
            "bo",
            "Hålla mina första medarbetarsamtal med trygghet",
            "Alla samtal hållna före april, med anteckningar",
        ),
        Person("sara", "Hantera konflikter i mitt team", "Jag tar upp konflikter inom en vecka"),
        Person(
            "omar", "Skriva en verksamhetsplan för min enhet", "Planen godkänd av ledningsgruppen"
        ),
        Person("maja", "Bygga ett nätverk i organisationen", "Fem nya kontakter jag kan ringa"),
        Person("ali", "Delegera mer", "Två uppgifter lämnade vidare varje månad"),
    ),
    "en": (
        Person(
            "bo",
            "Hold my first performance reviews with confidence",
            "All reviews held before April, with notes",
        ),
        Person("sara", "Handle conflicts in my team", "I raise conflicts within a week"),
        Person("omar", "Write an operational plan for my unit", "The plan approved by management"),
        Person("maja", "Build a network in the organisation", "Five new contacts I can call"),
        Person("ali", "Delegate more", "Two tasks handed over every month"),
    ),
}
HEADINGS = {
    "sv": (
        "Programmet skapas, deltagare registreras och paras ihop",
        "Första mötet: bokning, påminnelse, förberedelse och incheckning",
        "Mål och avtal",
        "Veckorna går: möten, incheckningar och reflektioner",
        "Halvtidsutvärdering och ett ändrat avtal",
        "Avslutande utvärdering",
        "Koordinatorns läge",
    ),
    "en": (
        "The programme is created, people enrolled and paired",
        "The first meeting: booking, reminder, preparation and check-in",
        "Goals and agreement",
        "Weeks go by: meetings, check-ins and reflections",
        "Mid-point review and an amended agreement",
        "Closing review",
        "The coordinator's view",
    ),
}
WORDS: dict[str, dict[str, str]] = {
    "sv": {
        "coordinator": "koordinator",
        "programme": "Nya chefer våren 2027",
        "new_programme": 'program ny "{name}" --syfte introduktion,ledarskap --start 2027-01-11 '
        "--slut {end} --mall nya-chefer",
        "place": "Mentorns kontor",
        "prep": "Jag vill prata om hur jag förbereder ett svårt samtal.",
        "raised": "Vi pratade om bakgrund, styrkor och svagheter och vad jag vill utveckla.",
        "try": "Skriva ner tre frågor inför varje samtal.",
        "reflection": "Den här veckan märkte jag att jag planerade dagarna fulla. Nästa vecka lägger jag in en buffert.",
        "working": "Vi träffas regelbundet och samtalen är konkreta.",
        "learned": "Att ställa öppna frågor och att förbereda mig ordentligt.",
        "feedback": "Bra struktur; påminnelserna hjälpte.",
    },
    "en": {
        "coordinator": "coordinator",
        "programme": "New managers spring 2027",
        "new_programme": 'program new "{name}" --purpose onboarding,leadership --start 2027-01-11 '
        "--end {end} --template new-managers",
        "place": "The mentor's office",
        "prep": "I want to talk about preparing a difficult conversation.",
        "raised": "We talked about our backgrounds, strengths and weaknesses, and what I want to develop.",
        "try": "Write down three questions before each conversation.",
        "reflection": "This week I noticed I planned my days full. Next week I will leave a buffer.",
        "working": "We meet regularly and the conversations are concrete.",
        "learned": "To ask open questions and to prepare properly.",
        "feedback": "Good structure; the reminders helped.",
    },
}


HOME = {"sv": "hem", "en": "home"}
# The command that shows a button again (Home shows the rest).
GOALS = {"sv": "mål", "en": "goals"}
AGREEMENT = {"sv": "avtal", "en": "agreement"}
REVIEW = {"sv": "utvärdering", "en": "review"}
SHOWN_BY = {
    "goals.draft": GOALS,
    "goals.confirm": GOALS,
    "goals.comment": GOALS,
    "agreement.propose": AGREEMENT,
    "agreement.accept": AGREEMENT,
    "review.midpoint": REVIEW,
    "review.closing": REVIEW,
}


class Script:
    """The lines the demo types, decided as it goes from what the console has shown."""

    def __init__(self, console: Console, lang: str, pairs: int) -> None:
        self.c = console
        self.lang = lang
        self.words = WORDS[lang]
        self.mentors = MENTORS[:pairs]
        self.adepts = ADEPTS[lang][:pairs]
        self.used: set[tuple[str, int]] = set()

    def press(self, person: str, action: str, *, optional: bool = False) -> Iterator[str]:
        """Become ``person`` and press the newest ``action`` button they were sent. Buttons
        shown before the person's last message no longer answer: Home shows theirs again."""
        number = self.c.button_number(person, action)
        if (number is None or (person, number) in self.used) and not optional:
            yield f"/as {person}"
            yield SHOWN_BY.get(action, HOME)[self.lang]
            number = self.c.button_number(person, action)
        if number is None or (person, number) in self.used:
            if optional:
                return
            raise RuntimeError(f"demo: {person} was never shown a {action!r} button")
        self.used.add((person, number))
        yield f"/as {person}"
        yield str(number)

    def fresh(self, person: str, action: str) -> bool:
        number = self.c.button_number(person, action)
        return number is not None and (person, number) not in self.used

    def after_meeting(self, person: str) -> bool:
        """Is the newest check-in button one for a particular meeting (the prompt after it)?"""
        number = self.c.button_number(person, "checkin.open")
        button = self.c.state.buttons.get(person, {}).get(number or 0)
        return button is not None and ":" in button.value

    def heading(self, index: int) -> str:
        return "# " + HEADINGS[self.lang][index]

    def lines(self) -> Iterator[str]:
        w = self.words
        coordinator = w["coordinator"]
        pairs = list(zip(self.mentors, self.adepts, strict=True))
        yield self.heading(0)
        yield w["new_programme"].format(name=w["programme"], end=PROGRAMME_END.isoformat())
        yield "enroll " + " ".join(f"@{m.handle}" for m in self.mentors) + " as mentor"
        yield "enroll " + " ".join(f"@{a.handle}" for a in self.adepts) + " as adept"
        for person in (*self.mentors, *self.adepts):  # each agrees to the data use first
            yield from self.press(person.handle, "enrolment.consent")
        yield f"/as {coordinator}"
        for mentor, adept in pairs:
            yield f"pair @{mentor.handle} @{adept.handle}"

        yield self.heading(1)
        for i, (_, adept) in enumerate(pairs):
            yield from self.press(adept.handle, "meeting.book")
            yield f"2027-01-14 {9 + 2 * i}:00"  # when
            yield ""  # minutes: the default (60)
            yield w["place"]
        for _ in range(4):  # reminders, the adept's preparation, the meeting, the check-ins
            yield "/clock +1d"
            yield from self.answer_prompts(pairs)

        yield self.heading(2)
        for mentor, adept in pairs:
            yield from self.press(adept.handle, "goals.draft")
            yield from (adept.goal, adept.signal, "2027-03-31", "2")
            yield from ("", "", "", "")  # goal 2: none
            yield from ("", "", "", "")  # goal 3: none
            yield from self.press(mentor.handle, "goals.confirm")
            yield from self.press(mentor.handle, "agreement.propose")
            yield from [""] * 8  # the suggested agreement as it stands
            yield from self.press(adept.handle, "agreement.accept")  # the mentor proposed it
        yield f"/as {pairs[0][0].handle}"
        yield "home"
        self.used.update(
            (pairs[0][0].handle, n) for n in self.c.state.buttons.get(pairs[0][0].handle, {})
        )

        yield self.heading(3)
        # One adept is away for two weeks: no prompts reach them meanwhile.
        yield f"/as {pairs[-1][1].handle}"
        yield "pause 2027-01-31"
        meeting_days = ("2027-01-28", "2027-02-11", "2027-02-25", "2027-03-11", "2027-03-25")
        # Until the closing review arrives (a week before the end; Easter 2027 moves it).
        while (
            not self.fresh(pairs[0][1].handle, "review.closing")
            and self.c.clock.now().date() < PROGRAMME_END
        ):
            yield "/clock +1d"
            today = self.c.clock.now().date()
            yield from self.answer_prompts(pairs)
            if today + timedelta(days=7) in {date.fromisoformat(d) for d in meeting_days}:
                for i, (_, adept) in enumerate(pairs):
                    yield f"/as {adept.handle}"
                    yield f"meeting {today + timedelta(days=7)} {9 + 2 * i}:00 {w['place']}"
            if today == date(2027, 2, 22):
                yield self.heading(4)
                yield from self.midpoint(pairs)
                yield self.heading(3)

        yield self.heading(5)
        for mentor, adept in pairs:
            yield from self.press(adept.handle, "review.closing")
            yield from ("1", w["learned"], w["feedback"], "2")  # goal achieved; no new mentor
            yield from self.press(mentor.handle, "review.closing")
            yield from (w["learned"], w["feedback"])
        yield f"/as {pairs[0][1].handle}"
        yield "journal"

        yield self.heading(6)
        yield f"/as {coordinator}"
        yield "status"
        yield "/quit"

    def checkin(self, person: str) -> Iterator[str]:
        w = self.words
        yield from self.press(person, "checkin.open")
        yield from ("1", w["raised"], w["try"], "4")

    def typed_answer(self, person: str, action: str, text: str) -> Iterator[str]:
        """Answer a prompt by typing (the reply answers the newest open question)."""
        if self.fresh(person, action):
            self.used.add((person, self.c.button_number(person, action) or 0))
            yield f"/as {person}"
            yield text

    def answer_prompts(self, pairs: list[tuple[Person, Person]]) -> Iterator[str]:
        """What each person does with the nudges that arrived since the last step."""
        for mentor, adept in pairs:
            if self.fresh(adept.handle, "prep.answer"):  # the preparation, shared with the mentor
                yield from self.press(adept.handle, "prep.answer")
                yield self.words["prep"]
            for person in (mentor, adept):
                yield from self.typed_answer(
                    person.handle, "reflect.open", self.words["reflection"]
                )
                if self.fresh(person.handle, "checkin.open") and self.after_meeting(person.handle):
                    yield from self.checkin(person.handle)

    def midpoint(self, pairs: list[tuple[Person, Person]]) -> Iterator[str]:
        w = self.words
        for i, (mentor, adept) in enumerate(pairs):
            yield from self.press(adept.handle, "review.midpoint")
            yield from (
                "3",
                w["working"],
                "3" if i == 0 else "1",
            )  # the first pair changes its agreement
            yield from self.press(mentor.handle, "review.midpoint")
            yield from (w["working"], "1")
        # The first pair amends the agreement: every three weeks instead of two. The proposal
        # is the adept's acceptance; the mentor accepts.
        mentor, adept = pairs[0]
        yield from self.press(adept.handle, "agreement.propose")
        yield from ("3", "", "", "", "", "", "", "")
        yield from self.press(mentor.handle, "agreement.accept")  # the adept proposed it
        yield f"/as {mentor.handle}"
        yield "agreement"


def play(*, lang: str, pairs: int, database: Path | None, out: TextIO) -> None:
    lang = lang if lang in WORDS else "sv"
    with tempfile.TemporaryDirectory(prefix="mentorbot-demo-") as tmp:
        path = database or Path(tmp) / "demo.db"
        coordinator = WORDS[lang]["coordinator"]
        settings = load_settings(
            database={"url": f"sqlite:///{path.resolve()}"},
            bot={"default_locale": lang, "coordinators": [f"local:{coordinator}"]},
            local={"start_as": coordinator},
        )
        clock = ManualClock(START)
        services = build_services(settings, clock)
        try:
            console = Console(services, clock, out, interactive=False)
            console.run(Script(console, lang, pairs).lines())
        finally:
            services.close()
