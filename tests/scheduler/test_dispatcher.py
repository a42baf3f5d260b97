"""The dispatcher: pacing, Retry-After, backoff, permanent errors (leases and the crash
window: test_leases.py)."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections import Counter
from datetime import timedelta

from conversations.delivery_status import delivery_summary
from conversations.memory import InMemoryStore, ManualClock
from conversations.ports import PermanentError, TransientError
from scheduler.dispatcher import DeliveryLimits, Dispatcher
from tests.scheduler.world import T0 as T0
from tests.scheduler.world import (
    FakePlatform,
    dispatcher,
    gone,
    programme_world,
    queue,
    rate_limited,
    snapshot,
)


async def test_global_rate_and_per_conversation_pacing() -> None:
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock)
    for i in range(6):
        queue(store, f"a{i}", ids[f"p{i}"])
    for n in range(3):
        queue(store, f"same{n}", ids["p0"])
    report = await dispatcher(
        store, platform, clock, global_per_second=2.0, per_conversation_seconds=1.5
    ).deliver_due()
    assert report.sent == 9
    times = [s.at for s in platform.sent]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.5 - 1e-9  # two per second at most
    same = [s.at for s in platform.sent if s.key.startswith("same") or s.key == "a0"]
    assert all((b - a).total_seconds() >= 1.5 for a, b in itertools.pairwise(same))
    assert all(o.status == "sent" and o.platform_message_id for o in snapshot(store).values())


async def test_retry_after_is_honoured_and_retried_once() -> None:
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock, errors={"x": [rate_limited(3.0), None]})
    queue(store, "x", ids["p0"])
    queue(store, "y", ids["p1"])
    report = await dispatcher(store, platform, clock, global_per_second=100.0).deliver_due()
    assert report.rate_limited == 1 and report.sent == 2
    first, second = [t for k, t in platform.attempts if k == "x"]
    assert (second - first).total_seconds() >= 3.0
    assert Counter(platform.keys()) == {"x": 1, "y": 1}


async def test_transient_errors_back_off_exponentially_then_fail_and_tell_coordinator() -> None:
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock, errors={"x": [TransientError("503")] * 10})
    queue(store, "x", ids["p0"], ids["programme"])
    d = dispatcher(store, platform, clock, max_attempts=3, backoff_base_seconds=10.0)
    delays = []
    for _ in range(3):
        report = await d.deliver_due()
        row = snapshot(store)["x"]
        if row.status == "pending":
            assert row.next_attempt_at is not None
            delays.append((row.next_attempt_at - clock.now()).total_seconds())
            clock.set(row.next_attempt_at)
    assert 5.0 <= delays[0] < 10.0 and 10.0 <= delays[1] < 20.0  # base * 2**(n-1) * [0.5, 1)
    assert snapshot(store)["x"].status == "failed"
    assert report.failed == 1
    notes = [o for o in snapshot(store).values() if o.kind == "delivery-failed-coordinator"]
    assert len(notes) == 1 and notes[0].person_id == ids["kim"]


async def test_permanent_error_marks_failed_and_tells_coordinator_once() -> None:
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock, errors={"x": [gone()]})
    queue(store, "x", ids["p0"], ids["programme"])
    d = dispatcher(store, platform, clock)
    report = await d.deliver_due()
    assert report.failed == 1
    rows = snapshot(store)
    assert rows["x"].status == "failed" and rows["x"].error == "user_not_found"
    await d.deliver_due()  # the coordinator's note goes out; nothing about it again
    assert [s.kind for s in platform.sent] == ["delivery-failed-coordinator"]
    assert platform.sent[0].person_id == ids["kim"]
    with store.transaction() as repo:
        summary = delivery_summary(repo, ids["programme"])
    assert (summary.failed, summary.sent) == (1, 1)


async def test_rows_marked_sent_are_never_sent_again() -> None:
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock)
    queue(store, "once", ids["p0"])
    for _ in range(3):
        await dispatcher(store, platform, clock).deliver_due()  # a fresh process each time
        clock.advance(timedelta(hours=1))
    assert platform.keys() == ["once"]


class ThreadRecordingOutbox:
    """The store's outbox, noting which thread each call ran on."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.threads: set[int] = set()

    def __getattr__(self, name: str) -> object:
        call = getattr(self.store, name)

        def recorded(*args: object, **kwargs: object) -> object:
            self.threads.add(threading.get_ident())
            return call(*args, **kwargs)

        return recorded


async def test_database_calls_never_run_on_the_event_loop() -> None:
    """A busy database must not hold up Slack's acks: every outbox call runs in a worker."""
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock)
    queue(store, "x", ids["p0"], ids["programme"])
    outbox = ThreadRecordingOutbox(store)
    report = await dispatcher(store, platform, clock, outbox=outbox).deliver_due()
    assert report.sent == 1
    assert outbox.threads and threading.get_ident() not in outbox.threads


async def test_a_rate_limit_slows_every_conversation_down() -> None:
    """Slack's 429 may be the app's limit, not the channel's: after one, everyone sends more
    slowly than the configured rate, and the refused conversation waits out Retry-After."""
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock, errors={"x": [rate_limited(3.0), None]})
    queue(store, "x", ids["p0"])
    for i in range(1, 6):
        queue(store, f"y{i}", ids[f"p{i}"], due=T0 + timedelta(milliseconds=i))
    clock.set(T0 + timedelta(seconds=1))
    await dispatcher(store, platform, clock, global_per_second=10.0).deliver_due()
    first_try = next(t for k, t in platform.attempts if k == "x")
    x_sent = next(s.at for s in platform.sent if s.key == "x")
    assert (x_sent - first_try).total_seconds() >= 3.0
    after = [s.at for s in platform.sent if s.key.startswith("y") and s.at > first_try]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(after)]
    assert gaps and min(gaps) > 1 / 10.0  # slower than the configured 10 per second


async def test_a_sleeper_that_does_not_move_time_releases_rows_instead_of_spinning() -> None:
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock, errors={"x": [rate_limited(2.0)]})
    queue(store, "x", ids["p0"])

    async def frozen(seconds: float) -> None:  # time never moves
        return None

    d = Dispatcher(
        store, platform, clock, DeliveryLimits(global_per_second=100.0), store=store, sleep=frozen
    )
    report = await asyncio.wait_for(d.deliver_due(), timeout=5)  # returns: no busy loop
    assert report.rate_limited == 1
    assert snapshot(store)["x"].status == "pending"  # back in the outbox, not lost


async def test_a_removed_workspace_is_reported_once_per_programme() -> None:
    store, ids = programme_world()
    clock = ManualClock(T0)
    revoked = PermanentError("workspace_revoked: T0001")
    platform = FakePlatform(clock, errors={f"r{i}": [revoked] for i in range(4)})
    for i in range(4):
        queue(store, f"r{i}", ids[f"p{i}"], ids["programme"])
    report = await dispatcher(store, platform, clock).deliver_due()
    assert report.failed == 4
    notes = [s for s in platform.sent if s.kind == "delivery-failed-coordinator"]
    assert len(notes) == 1 and "the app was removed from the workspace" in notes[0].text
    assert "workspace_revoked" not in notes[0].text  # the code is for operators, not kim
    assert "p0" not in notes[0].text  # one note for the whole programme, not about p0
