"""The offline console: chat with the bot in a terminal, on the embedded database.

It reads standard input line by line, so ``mentorbot run < session.txt`` replays a session.
Lines starting with ``/`` steer the console (``/as``, ``/people``, ``/clock``, ``/quit``,
``/help``); a bare number presses that numbered button; everything else is a direct message to
the bot, exactly as typed in a Slack DM. Forms are asked field by field.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TextIO

from bot.local.files import files_folder, save
from bot.local.people_files import typed_event
from bot.local.render import render
from bot.local.words import AS, CANCEL, CLOCK, PEOPLE, QUIT, words
from bot.services import Services
from conversations.events import Actor, ButtonPressed, Event, FormSubmitted, TextReceived
from conversations.i18n import Texts
from conversations.memory import ManualClock
from conversations.messages import Button, Form, FormField, Message, Reply
from conversations.parsing import ParseError, parse_date, parse_duration, parse_local_datetime
from conversations.ports import UNKNOWN, Delivered, Reconciled
from conversations.records import OutboxItem, Pair, Person
from conversations.scoping import LOCAL
from scheduler.dispatcher import DeliveryLimits, Dispatcher
from scheduler.runner import Scheduler

log = logging.getLogger("mentorbot.console")

PLATFORM = "local"
TICK = timedelta(hours=6)  # /clock moves in steps like this, running the scheduler each step


async def _no_wait(seconds: float) -> None:
    """The console has no rate limits to honour: nothing really leaves the machine."""


@dataclass
class ConsoleState:
    me: str
    # Button numbers are unique across the session; each person may press the ones they got
    # since their own last input (an old welcome's [3] does not open settings weeks later).
    buttons: dict[str, dict[int, Button]] = field(default_factory=dict)
    next_number: int = 1
    valid_from: dict[str, int] = field(default_factory=dict)

    def pressable(self, person: str) -> dict[int, Button]:
        since = self.valid_from.get(person, 0)
        return {n: b for n, b in self.buttons.get(person, {}).items() if n >= since}

    def took_input(self, person: str) -> None:
        """``person`` typed a line: what they were shown before it can no longer be pressed."""
        self.valid_from[person] = self.next_number
        self.buttons[person] = self.pressable(person)


class ConsoleDelivery:
    """The ``Delivery`` port for people on the console: print, headed by the recipient."""

    def __init__(self, console: Console) -> None:
        self._console = console

    async def send(self, item: OutboxItem, message: Message) -> Delivered:
        self._console.show_delivered(item, message)
        return Delivered(f"local-{item.id}")

    async def reconcile(self, item: OutboxItem) -> Reconciled:
        return UNKNOWN  # what scrolled past in a terminal cannot be read back


class Console:
    def __init__(
        self, services: Services, clock: ManualClock, out: TextIO, *, interactive: bool
    ) -> None:
        self.services = services
        self.files = files_folder(services.settings)  # where files that come with messages go
        self.clock = clock
        self.out = out
        self.interactive = interactive
        self.state = ConsoleState(me=services.settings.local.start_as)
        self.dispatcher = Dispatcher(
            services.store,
            ConsoleDelivery(self),
            clock,
            DeliveryLimits(
                global_per_second=1_000_000.0,
                global_burst=1_000_000.0,
                per_conversation_seconds=0.0,
            ),
            store=services.store,
            sleep=_no_wait,
        )
        self.scheduler = Scheduler(
            services.store,
            self.dispatcher,
            clock,
            services.rules,
            services.settings.core,
            plan_in_thread=False,
        )
        self._lines: Iterator[str] = iter(())
        self._loop = asyncio.new_event_loop()
        self._language: str | None = None  # the console's lines follow a form's chosen language

    # I/O ---------------------------------------------------------------------------------
    def write(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _read(self, prompt: str) -> str | None:
        if self.interactive:
            self.out.write(prompt)
            self.out.flush()
        while True:
            try:
                line = next(self._lines).rstrip("\r\n")
            except StopIteration:
                return None
            if not line.startswith("#"):
                break
            # A comment in a session file: shown as a heading, never sent, never an answer.
            heading = line.lstrip("# ")
            self.write(f"\n{heading}\n{'=' * len(heading)}")
        if not self.interactive:
            self.write(f"{prompt}{line}")
        return line

    def actor(self, name: str | None = None) -> Actor:
        who = name or self.state.me
        return Actor(platform=PLATFORM, platform_user_id=who, display_name=who)

    def person(self, name: str) -> Person | None:
        with self.services.store.transaction() as repo:
            return repo.first(Person, platform=PLATFORM, workspace=LOCAL, platform_user_id=name)

    def _texts(self, name: str | None = None) -> Texts:
        found = self.person(name or self.state.me)
        if found:
            return Texts(found.locale, found.timezone)
        return Texts(
            self.services.settings.core.default_locale, self.services.settings.core.default_timezone
        )

    # Main loop ---------------------------------------------------------------------------
    def run(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.services.engine.handle(
            self.actor(), TextReceived(text="home")
        )  # make sure "me" exists
        self.deliver()
        self.write(self.banner())
        try:
            while True:
                line = self._read(f"{self.state.me}> ")
                if line is None or not self.handle_line(line):
                    break
        finally:
            self._loop.close()

    def w(self, key: str, **values: object) -> str:
        """The console's own line in the acting person's language."""
        return words(self._language or self._texts().lang)[key].format(**values)

    def banner(self) -> str:
        return self.w("banner", when=self._texts().when(self.clock.now()))

    def handle_line(self, line: str) -> bool:
        text = line.strip()
        if not text:
            return True
        if text.startswith("/"):
            return self._console_command(text)
        if text.isdigit():
            pressed = self.state.pressable(self.state.me).get(int(text))
            if pressed is None:
                self.write(self.w("no_button"))
                return True
            self.state.took_input(self.state.me)
            self.send_event(ButtonPressed(action=pressed.action, value=pressed.value))
            return True
        self.state.took_input(self.state.me)
        self.send_event(typed_event(text))  # (an invite's --file read here)
        return True

    def _console_command(self, text: str) -> bool:
        word, _, rest = text.partition(" ")
        rest = rest.strip()
        if word in QUIT:
            return False
        if word in AS and rest:
            self.state.me = rest.lstrip("@")
            self.services.engine.handle(self.actor(), TextReceived(text="home"))
            self.deliver()
            self.write(self.w("you_are", name=self.state.me))
        elif word in PEOPLE:
            self._people()
        elif word in CLOCK:
            self._clock(rest)
        else:
            self.write(self.w("help"))
        return True

    def _people(self) -> None:
        with self.services.store.transaction() as repo:
            people = sorted(repo.find(Person, platform=PLATFORM), key=lambda p: p.platform_user_id)
            pairs = repo.find(Pair)
        for person in people:
            roles = ["coordinator"] if person.is_coordinator else []
            roles += [
                f"mentor in pair {p.id}"
                for p in pairs
                if p.mentor_id == person.id and p.phase.is_open
            ]
            roles += [
                f"adept in pair {p.id}"
                for p in pairs
                if p.adept_id == person.id and p.phase.is_open
            ]
            self.write(
                f"  {person.platform_user_id:<16} {person.locale} {person.timezone:<20} {', '.join(roles)}"
            )

    def _clock(self, rest: str) -> None:
        """``+3d``, ``+2w``, ``+6h``, a date (the same time of day on that date) or a date and
        time, both on the acting person's own calendar (their time zone)."""
        now = self.clock.now()
        t = self._texts()
        delta = parse_duration(rest) if rest.startswith("+") else None
        if delta is None and rest.endswith("h") and rest[1:-1].isdigit():
            delta = timedelta(hours=int(rest[1:-1]))
        target: datetime | None = now + delta if delta else None
        if target is None:
            local_now = now.astimezone(t.tz)
            try:
                if " " in rest or "T" in rest:
                    target = parse_local_datetime(rest, t.tz, now).astimezone(UTC)
                else:
                    day = parse_date(rest, local_now.date())
                    target = datetime.combine(day, local_now.time(), tzinfo=t.tz).astimezone(UTC)
            except ParseError:
                self.write(self.w("clock_usage"))
                return
        if target <= now:
            self.write(f"({t('console.clock_past', when=t.when(target), now=t.when(now))})")
            return
        self.advance_to(target)
        self.write(self.w("clock", when=t.when(self.clock.now())))

    def advance_to(self, target: datetime) -> None:
        """Move the clock in steps, running the scheduler and delivering at each step."""
        while self.clock.now() < target:
            self.clock.set(min(self.clock.now() + TICK, target))
            self.tick()

    def tick(self) -> None:
        """One scheduler tick at the console's clock: queue what is due, deliver it."""
        self._loop.run_until_complete(self.scheduler.tick())

    def deliver(self) -> None:
        self._loop.run_until_complete(self.dispatcher.deliver_due())

    # Events ------------------------------------------------------------------------------
    def send_event(self, event: Event) -> Reply:
        reply = self.services.engine.handle(self.actor(), event)
        self.show_reply(reply)
        self.deliver()
        if reply.form is not None:
            return self.fill(reply.form)
        return reply

    def fill(
        self, form: Form, errors: dict[str, str] | None = None, values: dict[str, str] | None = None
    ) -> Reply:
        """Ask a form's fields one by one (only the ones with errors on a second round). The
        rest of an optional group is skipped when its first field is left empty, a field
        ``shown_if`` an earlier answer only after that answer; ``avbryt``/``cancel`` leaves the
        form, and a console command (``/klocka …``) leaves it and runs."""
        values = dict(values or {})
        t = self._texts()
        asked = [f for f in form.fields if errors is None or f.name in errors]
        count = self.w("question") if len(asked) == 1 else self.w("questions", n=len(asked))
        self.write(f"## {form.title} ({count})")
        if form.intro and not errors:
            self.write(form.intro)
        skipped_groups: set[str] = set()
        self._language = None
        for index, spec in enumerate(list(asked)):
            spec = asked[index]  # the rest may have switched language
            if spec.group and spec.group in skipped_groups:
                continue
            if spec.shown_if and values.get(spec.shown_if[0]) != spec.shown_if[1]:
                values[spec.name] = ""
                continue
            if errors and spec.name in errors:
                self.write(f"  ! {errors[spec.name]}")
            answer = self._ask(spec, t)
            if answer is None or answer.strip().lower() in CANCEL or answer.startswith("/"):
                self._language = None  # nothing was saved: the person's own language again
            if answer is None:
                self.write(self.w("abandoned"))
                return Reply()
            if answer.strip().lower() in CANCEL:
                self.write(self.w("cancelled"))
                return Reply()
            if answer.startswith("/"):
                self.write(self.w("abandoned"))
                self.handle_line(answer)
                return Reply()
            values[spec.name] = answer
            switched = form.variant_after(spec.name, answer)
            if switched is not None:  # e.g. the language chosen in settings: the rest in it
                rest = {f.name: f for f in switched.form.fields}
                asked[index + 1 :] = [rest.get(f.name, f) for f in asked[index + 1 :]]
                self._language = switched.language or None
            first_of_group = spec.group and spec is next(
                f for f in form.fields if f.group == spec.group
            )
            if first_of_group and not answer.strip():
                skipped_groups.add(spec.group)
                for other in form.fields:
                    if other.group == spec.group and other.name != spec.name:
                        values[other.name] = ""
        self._language = None
        reply = self.services.engine.handle(
            self.actor(), FormSubmitted(form_id=form.form_id, values=values, context=form.context)
        )
        if reply.errors:
            return self.fill(reply.form or form, reply.errors, values)
        self.show_reply(reply)
        self.deliver()
        if reply.form is not None:
            return self.fill(reply.form)
        return reply

    def _ask(self, spec: FormField, t: Texts) -> str | None:
        label = spec.label + ("" if spec.required else self.w("optional"))
        if spec.choices:
            self.write(
                f"  {label}: "
                + "  ".join(f"[{i}] {c.label}" for i, c in enumerate(spec.choices, 1))
            )
        hint = f" ({spec.hint})" if spec.hint and not spec.initial else ""
        shown = spec.initial
        if spec.choices:
            numbers = [str(i) for i, c in enumerate(spec.choices, 1) if c.value == spec.initial]
            shown = numbers[0] if numbers else ""
        default = f" [{shown}]" if shown else ""
        prompt = f"  {'>' if spec.choices else label}{hint}{default}: "
        answer = self._read(prompt)
        if answer is None:
            return None
        answer = answer.strip()
        if answer in ("-", "—"):
            return ""
        if not answer:
            return spec.initial
        if spec.choices and answer.isdigit() and 1 <= int(answer) <= len(spec.choices):
            return spec.choices[int(answer) - 1].value
        return answer.replace("\\n", "\n")

    def button_number(self, person: str, action: str) -> int | None:
        """The newest button with this action that ``person`` has been shown (for scripts)."""
        found = [n for n, b in self.state.pressable(person).items() if b.action == action]
        return max(found) if found else None

    # Output ------------------------------------------------------------------------------
    def show_reply(self, reply: Reply) -> None:
        if reply.duplicate:
            self.write(self.w("already"))
        for message in reply.messages:
            self.write(self.w("bot"))
            self._show(self.state.me, message)

    def show_delivered(self, item: OutboxItem, message: Message) -> None:
        with self.services.store.transaction() as repo:
            if item.person_id is not None:
                person = repo.get(Person, item.person_id)
                names = [person.platform_user_id] if person else ["?"]
            else:
                pair = repo.get(Pair, item.pair_id or 0)
                members = [repo.get(Person, pid) for pid in (pair.member_ids() if pair else ())]
                names = [p.platform_user_id for p in members if p]
        t = self._texts(names[0])  # the recipient's own language and time zone
        header = words(t.lang)["to"]  # in the recipient's language, as the message is
        self.write(header.format(names=" & ".join(names), when=t.when(item.due_at)))
        first = self.state.next_number
        for index, name in enumerate(names):  # printed once; its buttons work for each member
            self._show(name, message, first=first, printed=index == 0)

    def _show(
        self, recipient: str, message: Message, *, first: int | None = None, printed: bool = True
    ) -> None:
        first = first if first is not None else self.state.next_number
        text, new = render(message, first)
        buttons = self.state.buttons.setdefault(recipient, {})
        for i, button in enumerate(new):
            buttons[first + i] = button
        self.state.next_number = max(self.state.next_number, first + len(new))
        if printed:
            self.write(text)
        if message.files:  # each recipient gets their own copy, told in their language
            said = words(self._texts(recipient).lang)["file"]
            for file in message.files:
                path = save(self.files, recipient, file)
                self.write(said.format(title=file.title or file.name, path=path))
        if printed:
            self.write()
