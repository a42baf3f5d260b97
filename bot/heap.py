"""The long-running process's heap, settled once it is built.

Everything a process builds before it serves (the imported modules, the settings, the SDKs'
clients, the web application: some 150,000 objects) lives as long as the process. Python's
full (generation 2) garbage collection walks all of them each time it runs, which on a busy
two-core machine stopped the event loop for 100–350 ms a few times a minute: every request in
flight at that moment waited for it (the Slack bench's p99). ``settle`` collects once and then
freezes what is left (``gc.freeze``): the collector no longer looks at those objects, so a full
collection walks only what was made since. Nothing is freed that would otherwise have been:
frozen objects are the ones still alive after a full collection at start-up.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect, then move every surviving object out of the collector's reach."""
    gc.collect()
    gc.freeze()
