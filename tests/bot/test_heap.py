"""A serving process settles its start-up heap: full collections leave those objects alone."""

from __future__ import annotations

import gc

from bot.heap import settle


def test_settle_freezes_what_survives_and_a_full_collection_no_longer_walks_it() -> None:
    kept = [[n] for n in range(10_000)]  # start-up objects that live as long as the process
    try:
        settle()
        assert gc.get_freeze_count() >= len(kept)
        assert not any(item is kept for item in gc.get_objects())  # out of the collector's view
    finally:
        gc.unfreeze()
