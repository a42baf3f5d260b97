"""Which read-only turns an adapter runs on its event loop, not in a worker thread.

On the embedded database (``SqlStore.reads_in_process``) a read is CPU work in this process,
never a wait for a writer, so a reader's turn (``Engine.read_turn``: help, home, status …)
costs the event loop no more than the Python work it is. Handing it to a worker thread costs
more: the thread and the event loop take turns with the GIL at every database call (about a
hundred thread switches per slash command at 8 in flight, measured in bench/RESULTS.md), and
the answer waits for those turns.

A turn on the loop holds up every other request while it runs, so a route whose turn took
longer than ``SLOW_S`` of the loop thread's CPU time (not its wall time: that includes
waiting for the GIL while another thread, such as the scheduler's, holds it) (a coordinator's Home over a large programme, say) goes to a worker
thread for its next ``THREADED_TURNS`` turns, then is tried on the loop again. Used from the
event loop's thread only.
"""

from __future__ import annotations

import logging

from conversations.events import Event
from conversations.lanes import route_of

log = logging.getLogger("mentorbot.app")

SLOW_S = 0.005
THREADED_TURNS = 64


class InlineReads:
    def __init__(self, slow_s: float = SLOW_S) -> None:
        self.slow_s = slow_s
        self._threaded: dict[str, int] = {}  # route -> turns left that go to a worker thread

    def allows(self, event: Event) -> bool:
        """Whether ``event``'s turn may run on the loop (counts a turn sent to a thread)."""
        route = route_of(event)
        left = self._threaded.get(route, 0)
        if left <= 0:
            return True
        self._threaded[route] = left - 1
        return False

    def took(self, event: Event, seconds: float) -> None:
        """A turn of ``event`` ran on the loop, using ``seconds`` of its CPU time."""
        if seconds > self.slow_s:
            self._threaded[route_of(event)] = THREADED_TURNS
            # Not the route: its word is whatever the person typed.
            log.info("event=inline_read_slow kind=%s ms=%.1f", type(event).__name__, 1000 * seconds)
