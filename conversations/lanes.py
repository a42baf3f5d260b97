"""Which transaction a turn starts in: read-only (``Store.read``) or writing.

A keyed event (it writes its receipt), a button and a form start as writers. A command, typed
text or home view starts read-only, so help, home and status never wait for a writer; if it
writes after all, the engine runs it again as a writer and ``Lanes`` remembers its route: the
next ``WRITER_TURNS`` turns of that route start as writers (no wasted read-only run for a
command that writes every time, such as ``pause``), then it is tried read-only again. A write
of the person (a first contact, a profile filled in) says nothing of the route and is not
remembered: a help after someone's first contact still reads.

What ``Lanes`` remembers only decides where a turn starts: a turn that writes always ends up
in a write transaction, whatever was guessed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from conversations.events import ButtonPressed, Command, Event, FormSubmitted, HomeOpened
from conversations.parsing import parse_command
from conversations.ports import ReadOnly

T = TypeVar("T")

WRITER_TURNS = 16


def route_of(event: Event) -> str:
    """A turn's route for this purpose: the command word (its first word), else its kind."""
    if isinstance(event, HomeOpened):
        return "home-view"
    line = parse_command(getattr(event, "text", "") or "")
    kind = "command" if isinstance(event, Command) else "text"
    return f"{kind}:{line.word.lower()}" if line is not None else kind


class Lanes:
    def __init__(self) -> None:
        self._writers: dict[str, int] = {}  # route -> turns left that start as writers
        self._lock = threading.Lock()

    def starts_writing(self, event: Event, keyed: bool) -> bool:
        if keyed or isinstance(event, ButtonPressed | FormSubmitted):
            return True
        route = route_of(event)
        with self._lock:
            left = self._writers.get(route, 0)
            if left <= 0:
                return False
            self._writers[route] = left - 1
            return True

    def writes_lately(self, event: Event) -> bool:
        """Whether ``event``'s route wrote lately (``starts_writing`` without counting it)."""
        with self._lock:
            return self._writers.get(route_of(event), 0) > 0

    def person(self, find: Callable[[], T]) -> T:
        """The turn's person from ``find``; a write it tries is the person's, not the route's."""
        try:
            return find()
        except ReadOnly as error:
            raise PersonWrites(str(error)) from error

    def wrote(self, event: Event, error: ReadOnly) -> None:
        """A turn that started read-only wrote (``error``): unless it was its person that
        needed writing, its route starts as a writer for a while."""
        if isinstance(error, PersonWrites):
            return
        with self._lock:
            self._writers[route_of(event)] = WRITER_TURNS


class PersonWrites(ReadOnly):
    """A read-only turn's person needs writing (first contact, profile filled in)."""
