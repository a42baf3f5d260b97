"""The adapter contract: every button and form the core shows survives the trip through a
platform adapter and back.

An adapter renders the core's neutral replies its platform's way and turns what the person
does on that rendering back into neutral events. This suite takes real replies: every
``Button`` and every ``Form`` the core showed while a whole programme was walked through the
neutral-event harness (``tests/conversations/harness.py``), as the people in it did. It asks
the adapter under test to

* show each message and press each of its buttons there, as a person would, and
* show each form, fill it in with what the person submitted (or left it at), and send it,

and checks that the event that comes back is exactly the one the core got without any platform:
``ButtonPressed(action, value)`` and ``FormSubmitted(form_id, values, context)``.

A platform joins by subclassing ``AdapterContract`` in ``tests/adapters/test_<platform>_contract.py``
with a ``platform_user`` fixture: an object with ``press`` and ``submit`` (``PlatformUser``)
that uses the adapter's own renderer and the same translation functions its listeners use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache, partial
from typing import Protocol

import pytest

from conversations.events import Actor, ButtonPressed, Event, FormSubmitted
from conversations.memory import InMemoryStore
from conversations.messages import Form, Message, Reply
from tests.conversations.harness import Bot, make_bot, paired

# The journey below must show at least this much, or the suite proves little.
MIN_BUTTON_ACTIONS = 18  # distinct actions pressed; `walk` shows all 20 the engine has
MIN_FORMS = 10  # distinct form ids; `walk` shows all 11


class PlatformUser(Protocol):
    """A person on the platform under test, with the adapter between them and the core."""

    def press(self, message: Message, index: int) -> Event:
        """Show ``message`` the platform's way, press its ``index``-th button there, and
        return the event the adapter makes of that."""
        ...

    def submit(self, form: Form, values: dict[str, str]) -> Event:
        """Show ``form`` the platform's way, fill each field so that it holds ``values[name]``,
        send it, and return the event the adapter makes of that."""
        ...


@dataclass
class Shown:
    """What the core showed during the journey."""

    messages: list[Message] = field(default_factory=list)  # each with at least one button
    submissions: list[tuple[Form, FormSubmitted]] = field(default_factory=list)

    def presses(self) -> list[tuple[Message, int, ButtonPressed]]:
        """Every (message, button position, the press the core expects) once."""
        seen: set[tuple[Message, int]] = set()
        found = []
        for message in self.messages:
            for index, button in enumerate(message.buttons):
                if (message, index) not in seen:
                    seen.add((message, index))
                    found.append((message, index, ButtonPressed(button.action, button.value)))
        return found

    def actions(self) -> set[str]:
        return {b.action for m in self.messages for b in m.buttons}

    def form_ids(self) -> set[str]:
        return {form.form_id for form, _ in self.submissions}


class Recording:
    """The real engine, recording each reply and the form a submission answered."""

    def __init__(self, bot: Bot) -> None:
        self.engine = bot.engine
        self.open_forms: dict[str, Form] = {}  # per person: the newest form shown to them
        self.shown = Shown()

    def handle(self, actor: Actor, event: Event, *, event_key: str | None = None) -> Reply:
        who = actor.platform_user_id
        if isinstance(event, FormSubmitted):
            form = self.open_forms.get(who)
            assert form is not None and form.form_id == event.form_id, event
            self.shown.submissions.append((form, event))
        reply = self.engine.handle(actor, event, event_key=event_key)
        if reply.form is not None:
            self.open_forms[who] = reply.form
            initial = {f.name: f.initial for f in reply.form.fields}
            untouched = FormSubmitted(reply.form.form_id, initial, reply.form.context)
            self.shown.submissions.append((reply.form, untouched))  # submitted as shown
        return reply


def walk(bot: Bot) -> None:
    """A pair's programme from enrolment to closing, and what else a person can open on the
    way: settings, a pause, reflections, the journal, comments on goals, forgetting."""

    def fill(who: str, action: str, answers: dict[str, str]) -> None:
        reply = bot.fill(who, action, answers)
        assert not reply.errors, (action, reply.errors)

    paired(bot)
    bot.press("anna", "help")
    bot.press("anna", "home")
    fill("bo", "settings.open", {"language": "en", "reflection_day": "3"})
    fill("bo", "meeting.book", {"when": "2027-01-14 10:00", "place": "Mentorns kontor"})
    bot.advance(timedelta(days=2, hours=3))
    fill("bo", "prep.answer", {"challenge": "Svåra samtal"})
    bot.advance(timedelta(days=1, hours=3))
    for who in ("bo", "anna"):
        fill(who, "checkin.open", {"met": "yes", "raised": "Mål", "usefulness": "4"})
    goal = {
        "goal1_text": "Leda möten",
        "goal1_signal": "Tre möten",
        "goal1_date": "2027-03-31",
        "goal1_rating": "2",
    }
    fill("bo", "goals.draft", goal)
    fill("anna", "goals.comment", {"comment": "Bra början.\nKonkretisera gärna."})
    fill("bo", "goals.draft", {**goal, "goal1_signal": "Tre möten i mars"})
    bot.say("bo", "home")
    bot.press("bo", "goals.view")
    bot.press("anna", "goals.confirm")
    fill("anna", "agreement.propose", {})
    bot.press("bo", "agreement.accept")  # anna's proposal is her acceptance
    bot.say("bo", "home")
    bot.press("bo", "agreement.view")
    bot.advance(timedelta(days=1))
    fill("anna", "reflect.open", {"text": "Veckans reflektion"})
    bot.say("anna", "home")
    bot.press("anna", "journal.view")
    fill("bo", "pause.open", {"until": "2027-02-07"})
    bot.press("bo", "resume")
    bot.advance(timedelta(days=38), step=timedelta(hours=6))  # past the mid-point
    fill("bo", "review.midpoint", {"working": "Bra", "adjust": "keep"})
    fill("anna", "review.midpoint", {"working": "Bra", "adjust": "keep"})
    bot.advance(timedelta(days=36), step=timedelta(hours=6))  # into the last days
    fill("bo", "review.closing", {"learned": "Tålamod", "new_mentor": "yes"})
    fill("anna", "review.closing", {"learned": "Att lyssna"})
    bot.say("kim", "status")
    bot.say("anna", "forget-me")
    bot.press("anna", "forget.confirm")


@cache
def journey() -> Shown:
    """Everything the core showed while ``walk`` ran (walked once per test session)."""
    bot = make_bot(InMemoryStore())
    recording = Recording(bot)
    bot.engine = recording  # type: ignore[assignment]
    walk(bot)
    recording.shown.messages = [d.message for d in bot.transcript if d.message.buttons]
    return recording.shown


class AdapterContract:
    """The checks every platform adapter passes; subclass with a ``platform_user`` fixture."""

    @pytest.fixture
    def platform_user(self) -> PlatformUser:
        raise NotImplementedError("a platform's contract test provides its own")

    def test_the_journey_shows_enough_to_prove_something(self) -> None:
        shown = journey()
        assert len(shown.actions()) >= MIN_BUTTON_ACTIONS, sorted(shown.actions())
        assert len(shown.form_ids()) >= MIN_FORMS, sorted(shown.form_ids())

    def test_every_button_comes_back_as_the_press_the_core_expects(
        self, platform_user: PlatformUser
    ) -> None:
        cases = [
            (partial(platform_user.press, message, index), expected)
            for message, index, expected in journey().presses()
        ]
        wrong = _mismatches(cases)
        assert wrong == [], f"{len(wrong)} of {len(cases)} presses:\n" + "\n".join(wrong)

    def test_every_form_comes_back_as_the_submission_the_core_expects(
        self, platform_user: PlatformUser
    ) -> None:
        # What the core reads is ``form.applicable(values)``: a platform that asks field by
        # field skips the fields that do not apply, one that shows the form whole sends them.
        cases = [
            (
                partial(_applied, platform_user.submit, form, dict(expected.values)),
                FormSubmitted(expected.form_id, form.applicable(expected.values), expected.context),
            )
            for form, expected in journey().submissions
        ]
        wrong = _mismatches(cases)
        assert wrong == [], f"{len(wrong)} of {len(cases)} submissions:\n" + "\n".join(wrong)


def _applied(
    submit: Callable[[Form, dict[str, str]], Event], form: Form, values: dict[str, str]
) -> Event:
    event = submit(form, values)
    if isinstance(event, FormSubmitted):
        return FormSubmitted(event.form_id, form.applicable(event.values), event.context)
    return event


def _mismatches(cases: Iterable[tuple[Callable[[], Event], Event]]) -> list[str]:
    """Each case whose event did not come back as expected, or that the platform could not
    express at all (an AssertionError from the platform's user)."""
    wrong: list[str] = []
    for run, expected in cases:
        try:
            got = run()
        except AssertionError as error:
            wrong.append(f"{expected}: {error}")
            continue
        if got != expected:
            wrong.append(f"expected {expected}\n     got {got}")
    return wrong
