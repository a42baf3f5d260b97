"""The adapter contract for the offline console: each message printed with its buttons as
numbered choices and each form asked field by field, answered by typing at the real
``Console`` as a person would (a number, a value, Enter for the default, ``-`` for nothing),
with a recording core in place of the engine."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.local.console import Console
from bot.services import Services, build_services
from bot.settings import load_settings
from conversations.events import Actor, ButtonPressed, Event
from conversations.memory import ManualClock
from conversations.messages import Button, Form, FormField, Message, Reply
from tests.adapters.contract import AdapterContract
from tests.conversations.harness import START

APP_YAML = Path(__file__).resolve().parents[2] / "app.yaml"
OPEN = ButtonPressed("contract.open")  # the button the test shows to open a form


class RecordingCore:
    """In place of the engine: records every event; answers ``OPEN`` with the form."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.form: Form | None = None

    def handle(self, actor: Actor, event: Event, *, event_key: str | None = None) -> Reply:
        self.events.append(event)
        return Reply(form=self.form) if event == OPEN else Reply()


class ConsoleUser:
    """A person at the console, reading what it printed before typing each line."""

    def __init__(self, services: Services, core: RecordingCore) -> None:
        self._services = services
        self._core = core

    def _session(self, message: Message, typing: Iterator[str]) -> Event:
        """A console showing ``message``; the person types ``typing``; what the core got last."""
        console = Console(self._services, ManualClock(START), self.out, interactive=True)
        console.show_reply(Reply(messages=[message]))
        self._core.events.clear()
        console.run(typing)  # starts with the console's own "home", ends when typing does
        return self._core.events[-1]

    def press(self, message: Message, index: int) -> Event:
        self.out = io.StringIO()

        def typing() -> Iterator[str]:
            yield _number(self.out.getvalue(), message.buttons, index)

        return self._session(message, typing())

    def submit(self, form: Form, values: dict[str, str]) -> Event:
        self.out = io.StringIO()
        self._core.form = form
        opener = Message(buttons=(Button(label="Öppna", action=OPEN.action),))

        def typing() -> Iterator[str]:
            seen = len(self.out.getvalue())  # the form is printed after the press
            yield _number(self.out.getvalue(), opener.buttons, 0)
            labels = {f.name: f for f in form.fields}
            for field in form.fields:  # the console asks them in order, skipping what it may
                spec = labels[field.name]  # as asked: an answer may switch the rest's language
                new = self.out.getvalue()[seen:]
                if spec.label not in new:
                    continue  # not asked: it does not apply (form.applicable)
                asked = new[new.rindex(spec.label) :]
                seen = len(self.out.getvalue())
                yield _answer(spec, values.get(spec.name, ""), asked)
                switched = form.variant_after(spec.name, values.get(spec.name, ""))
                if switched is not None:
                    labels |= {f.name: f for f in switched.form.fields}

        return self._session(opener, typing())


def _number(printed: str, buttons: tuple[Button, ...], index: int) -> str:
    """The number printed before the ``index``-th button (by its label, and among buttons
    with the same label by their order)."""
    label = buttons[index].label
    same = sum(1 for b in buttons[:index] if b.label == label)
    found = re.findall(rf"\[(\d+)\] {re.escape(label)}(?=  \[|$)", printed, re.MULTILINE)
    assert len(found) > same, f"no numbered choice for {label!r}"
    return str(found[-(len([b for b in buttons if b.label == label])) + same])


def _answer(spec: FormField, value: str, asked: str) -> str:
    """What the person types so that the field holds ``value``."""
    if value == "":
        return "-"
    if spec.choices:
        label = next((c.label for c in spec.choices if c.value == value), None)
        assert label is not None, f"{value!r} is not among the choices"
        found = re.search(rf"\[(\d+)\] {re.escape(label)}(?=  \[|$)", asked, re.MULTILINE)
        assert found, f"no numbered choice for {label!r}"
        return found.group(1)
    if value == spec.initial:
        return ""  # Enter keeps the value shown in brackets
    assert value == value.strip() and value != "-", f"{value!r} cannot be typed"
    return value.replace("\n", "\\n")


class TestConsoleAdapter(AdapterContract):
    @pytest.fixture
    def platform_user(self, tmp_path: Path) -> Iterator[ConsoleUser]:
        settings = load_settings(APP_YAML, database={"url": f"sqlite:///{tmp_path / 'c.db'}"})
        services = build_services(settings, ManualClock(START))
        core = RecordingCore()
        services.engine = core  # type: ignore[assignment]
        try:
            yield ConsoleUser(services, core)
        finally:
            services.close()
