"""Which read-only turns an adapter runs on its event loop, not in a worker thread.

On the embedded database (``SqlStore.reads_in_process``) a read is CPU work in this process,
never a wait for a writer, so a reader's turn (``Engine.read_turn``: help, home, status …)
costs the event loop no more than the Python work it is. Handing it to a worker thread costs
more: the thread and the event loop take turns with the GIL at every database call (about a
hundred thread switches per slash command at 8 in flight, measured in bench/RESULTS.md), and
the answer waits for those turns.

A turn on the loop holds up every other request while it runs, so a route earns its place
there: it runs on the loop only while its last turn, wherever it ran, used at most ``SLOW_S``
of its thread's CPU time (not wall time, which counts waiting for the GIL while another
thread holds it). A route not yet seen runs in a worker thread first, so a coordinator's first
Home over a large programme never stops the loop; a route that turns slow goes back to a
thread at once, and returns when a turn of it is quick again. Used from the loop's thread only.

``database.reads_on_event_loop`` (``reads_on_loop``) can also put PostgreSQL's readers on the
loop (a server on the same machine) or keep every turn in a thread.
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
Mode = Literal["auto", "always", "never"]
MOST_ROUTES = 512  # routes remembered (a typed word is a route: the set is not closed)


def reads_on_loop(mode: Mode, store: Store) -> bool:
    """Whether readers' turns on ``store`` may run on the event loop
    (``database.reads_on_event_loop``): ``auto`` on a database read in the process."""
    if mode == "never" or not isinstance(store, SqlStore):
        return False
    return mode == "always" or store.reads_in_process


class InlineReads:
    def __init__(self, slow_s: float = SLOW_S) -> None:
        self.slow_s = slow_s
        self._quick: set[str] = set()  # routes whose last turn was quick

    def allows(self, event: Event) -> bool:
        """Whether ``event``'s turn may run on the loop."""
        return route_of(event) in self._quick

    def took(self, event: Event, seconds: float) -> None:
        """A reader's turn of ``event`` used ``seconds`` of CPU time (on the loop or not)."""
        route = route_of(event)
        if seconds <= self.slow_s:
            if len(self._quick) >= MOST_ROUTES:
                self._quick.clear()
            self._quick.add(route)
        elif route in self._quick:
            self._quick.discard(route)
            # Not the route: its word is whatever the person typed.
            log.info("event=inline_read_slow kind=%s ms=%.1f", type(event).__name__, 1000 * seconds)
