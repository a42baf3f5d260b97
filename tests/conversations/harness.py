"""A harness that drives the core through neutral events only: no platform code.

``Bot`` holds a store (in memory, or SQLite in a temp dir), a ManualClock and the Engine. It
records a transcript of every message with the people it was addressed to: direct replies go
to the actor; outbox rows are drained after every step (a pair's group message goes to both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from conversations.config import CoreConfig
from conversations.engine import Engine
from conversations.events import Actor, ButtonPressed, Command, Event, FormSubmitted, TextReceived
from conversations.invitation_reminders import NOTED_KINDS, note_delivered
from conversations.memory import ManualClock
from conversations.messages import Button, Message, Reply
from conversations.planner import PlanRules, queue_due
from conversations.records import Enrolment, Meeting, MeetingStatus, OutboxItem, Pair, Person

# Delivered rows stay claimed, payload and all, for the tests that read what was sent.
FOREVER = timedelta(days=365 * 100)

START = datetime(2027, 1, 11, 7, 0, tzinfo=UTC)  # a Monday, 08:00 in Stockholm


@dataclass
class Delivered:
    to: frozenset[str]  # platform user ids
    message: Message
    at: datetime
    kind: str


@dataclass
class Bot:
    store: Any
    clock: ManualClock
    engine: Engine
    config: CoreConfig
    rules: PlanRules = field(default_factory=PlanRules)
    transcript: list[Delivered] = field(default_factory=list)

    # Acting ----------------------------------------------------------------------------
    def act(self, who: str, event: Event, *, key: str | None = None) -> Reply:
        reply = self.engine.handle(
            Actor(platform="local", platform_user_id=who, display_name=who), event, event_key=key
        )
        for message in reply.messages:
            self.transcript.append(Delivered(frozenset({who}), message, self.clock.now(), "reply"))
        self.drain()
        return reply

    def say(self, who: str, text: str) -> Reply:
        return self.act(who, Command(text=text))

    def type(self, who: str, text: str) -> Reply:
        return self.act(who, TextReceived(text=text))

    def button(self, who: str, action: str, value_contains: str = "") -> Button:
        """The newest button with ``action`` that ``who`` was shown."""
        for delivered in reversed(self.transcript):
            if who in delivered.to:
                for b in delivered.message.buttons:
                    if b.action == action and value_contains in b.value:
                        return b
        raise AssertionError(f"{who} was never shown a {action!r} button")

    def press(self, who: str, action: str, value: str | None = None) -> Reply:
        chosen = value if value is not None else self.button(who, action).value
        return self.act(who, ButtonPressed(action=action, value=chosen))

    def fill(
        self, who: str, action: str, answers: dict[str, str], value: str | None = None
    ) -> Reply:
        """Press a button that opens a form, and submit it with the form's initial values
        overridden by ``answers``."""
        opened = self.press(who, action, value)
        assert opened.form is not None, (
            f"{action} opened no form: {[m.plain_text() for m in opened.messages]}"
        )
        values = {f.name: f.initial for f in opened.form.fields}
        values.update(answers)
        return self.act(
            who,
            FormSubmitted(form_id=opened.form.form_id, values=values, context=opened.form.context),
        )

    # Time ------------------------------------------------------------------------------
    def advance(self, delta: timedelta, step: timedelta = timedelta(hours=1)) -> None:
        target = self.clock.now() + delta
        while self.clock.now() < target:
            self.clock.set(min(self.clock.now() + step, target))
            with self.store.transaction() as repo:
                queue_due(repo, self.clock.now(), self.rules, self.config)
            self.drain()

    def drain(self) -> None:
        for item in self.store.claim_due(self.clock.now(), 10_000, "test", FOREVER):
            self.transcript.append(
                Delivered(
                    self._recipients(item),
                    Message.model_validate(item.payload),
                    self.clock.now(),
                    item.kind,
                )
            )
            self.store.mark_sent(item.id or 0, self.clock.now(), None)
            if item.kind in NOTED_KINDS:  # as the dispatcher does
                with self.store.transaction() as repo:
                    note_delivered(repo, item, self.clock.now())

    def _recipients(self, item: OutboxItem) -> frozenset[str]:
        with self.store.transaction() as repo:
            ids = (
                [item.person_id]
                if item.person_id is not None
                else list((repo.get(Pair, item.pair_id or 0) or _no_pair()).member_ids())
            )
            return frozenset(
                (repo.get(Person, pid) or _no_person()).platform_user_id
                for pid in ids
                if pid is not None
            )

    # Reading ---------------------------------------------------------------------------
    def received(self, who: str, since: int = 0) -> list[Delivered]:
        return [d for d in self.transcript[since:] if who in d.to]

    def texts_to(self, who: str, since: int = 0) -> str:
        return "\n".join(d.message.plain_text() for d in self.received(who, since))

    def kinds_to(self, who: str, since: int = 0) -> list[str]:
        return [d.kind for d in self.received(who, since)]

    def record(self, cls: type[Any], **where: Any) -> list[Any]:
        with self.store.transaction() as repo:
            return repo.find(cls, **where)


def _no_pair() -> Pair:
    raise AssertionError("outbox row for a missing pair")


def _no_person() -> Person:
    raise AssertionError("outbox row for a missing person")


def make_bot(store: Any, coordinators: tuple[str, ...] = ("local:kim",), **config: Any) -> Bot:
    clock = ManualClock(START)
    core = CoreConfig(coordinators=list(coordinators), **config)
    return Bot(store=store, clock=clock, engine=Engine(store, clock, core), config=core)


def paired(bot: Bot, mentor: str = "anna", adept: str = "bo") -> None:
    """A programme with one pair, introduced."""
    bot.say(
        "kim", 'program new "Vår 2027" --purpose onboarding --start 2027-01-11 --end 2027-04-04'
    )
    enrolled(bot, mentor, "mentor")
    enrolled(bot, adept, "adept")
    bot.say("kim", f"pair @{mentor} @{adept}")


def enrolled(bot: Bot, who: str, role: str, *flags: str, coordinator: str = "kim") -> None:
    """``enroll @who as role``, and the person agrees to the programme's data use (they are
    asked before anything else reaches them)."""
    bot.say(coordinator, " ".join((f"enroll @{who} as {role}", *flags)))
    consent(bot, who)


def consent(bot: Bot, *people: str) -> None:
    """Each of ``people`` agrees to the data use of every programme they were enrolled in by
    hand (pressing the button of the question, whenever it reached them)."""
    for who in people:
        (person,) = bot.record(Person, platform_user_id=who)
        for enrolment in bot.record(Enrolment, person_id=person.id, consent_at=None):
            bot.press(who, "enrolment.consent", str(enrolment.id))


def first_meeting_held(
    bot: Bot, adept: str = "bo", when: str = "2027-01-14 10:00", **booking: str
) -> None:
    """The pair's first meeting booked and, once it is over, the adept's check-in says they met.
    Goal setting opens then: it follows the first meeting held, not the booking."""
    bot.fill(adept, "meeting.book", {"when": when, **booking})
    starts = datetime.fromisoformat(when).replace(tzinfo=ZoneInfo("Europe/Stockholm"))
    bot.clock.set(max(bot.clock.now(), starts.astimezone(UTC) + timedelta(hours=2)))
    opened = bot.say(adept, "checkin")
    assert opened.form is not None, [m.plain_text() for m in opened.messages]
    values = {f.name: f.initial for f in opened.form.fields}
    values |= {"met": "yes", "raised": "Vi lärde känna varandra"}
    bot.act(
        adept,
        FormSubmitted(form_id=opened.form.form_id, values=values, context=opened.form.context),
    )
    assert any(m.status == MeetingStatus.HELD for m in bot.record(Meeting))
