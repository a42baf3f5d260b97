"""Which read-only turns an adapter runs on its event loop, not in a worker thread.

On a database on this machine (``SqlStore.reads_nearby``: embedded SQLite, or a PostgreSQL
server through a Unix socket or a loopback address) a reader's turn (``Engine.read_turn``: help,
home, status …) costs the event loop about the Python work it is: SQLite's reads are work in
this process and never wait for a writer; a local server answers within a fraction of a
millisecond. Handing the turn to a worker thread costs more: the thread and the event loop take
turns with the GIL at every database call (about a hundred thread switches per slash command at
8 in flight, measured in bench/RESULTS.md), and the answer waits for those turns.

A turn on the loop holds up every other request while it runs, so a route earns its place
there: it runs on the loop only while its last turn, wherever it ran, used at most ``SLOW_S``
of its thread's CPU time (not wall time, which counts waiting for the GIL while another
thread holds it). A route not yet seen runs in a worker thread first, so a coordinator's first
Home over a large programme never stops the loop; a route that turns slow goes back to a
thread at once, and returns when a turn of it is quick again. A turn on the loop that was quick
in CPU but held the loop longer than ``HELD_S`` (it waited on the database: a server slow or
far away, a table locked by a migration) sends its route to the threads for its next
``HELD_TURNS`` turns. ``HELD_S`` is well above ``SLOW_S``: on a busy machine the operating
system alone takes the loop's CPU away for 5 to 12 ms at times (measured at 8 requests in
flight on 2 cores), and that is no reason to leave the loop. Used from the loop's thread only.

``database.reads_on_event_loop`` (``reads_on_loop``) can also put the readers of a server
elsewhere on the loop, or keep every turn in a thread.
"""

from __future__ import annotations

import logging
from typing import Literal

from conversations.events import Event
from conversations.lanes import route_of
from conversations.ports import Store
from storage.store import SqlStore

log = logging.getLogger("mentorbot.app")

SLOW_S = 0.005
HELD_S = 0.050  # wall time on the loop over which a quick turn's route goes to the threads
HELD_TURNS = 100  # turns in a thread for a route whose turn held the loop that long
Mode = Literal["auto", "always", "never"]
MOST_ROUTES = 512  # routes remembered (a typed word is a route: the set is not closed)


def reads_on_loop(mode: Mode, store: Store) -> bool:
    """Whether readers' turns on ``store`` may run on the event loop
    (``database.reads_on_event_loop``): ``auto`` on a database on this machine."""
    if mode == "never" or not isinstance(store, SqlStore):
        return False
    return mode == "always" or store.reads_nearby


def keep_reader_here(store: Store) -> None:
    """The calling thread is the event loop that runs readers' turns: on a SQL store its reads
    keep one connection between them (``SqlStore.keep_reader``)."""
    if isinstance(store, SqlStore):
        store.keep_reader()


class InlineReads:
    def __init__(self, slow_s: float = SLOW_S, held_s: float = HELD_S) -> None:
        self.slow_s = slow_s
        self.held_s = held_s
        self._quick: set[str] = set()  # routes whose last turn was quick
        self._held: dict[str, int] = {}  # route -> turns left in a thread (it held the loop)

    def allows(self, event: Event) -> bool:
        """Whether ``event``'s turn may run on the loop."""
        route = route_of(event)
        return route in self._quick and route not in self._held

    def took(self, event: Event, seconds: float, held_s: float = 0.0) -> None:
        """A reader's turn of ``event`` used ``seconds`` of CPU time (on the loop or not) and,
        on the loop, held it for ``held_s`` (wall time)."""
        route = route_of(event)
        left = self._held.get(route)
        if left is not None:  # this turn ran in a thread: one fewer to go
            if left > 1:
                self._held[route] = left - 1
            else:
                del self._held[route]
        if held_s > self.held_s and seconds <= self.slow_s:
            if len(self._held) >= MOST_ROUTES:
                self._held.clear()
            self._held[route] = HELD_TURNS
            log.info(
                "event=inline_read_waited kind=%s ms=%.1f", type(event).__name__, 1000 * held_s
            )
        if seconds <= self.slow_s:
            if len(self._quick) >= MOST_ROUTES:
                self._quick.clear()
            self._quick.add(route)
        elif route in self._quick:
            self._quick.discard(route)
            # Not the route: its word is whatever the person typed.
            log.info("event=inline_read_slow kind=%s ms=%.1f", type(event).__name__, 1000 * seconds)
