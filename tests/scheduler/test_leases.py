"""Leases and the crash window, with a simulated death (the real one, SIGKILL against a fake
Slack, is tests/e2e/test_slack_exactly_once.py): a dispatcher that dies mid-send has its rows
taken over once its leases run out; a sending row is reconciled with the platform, so that
nothing is sent twice and nothing is lost where the platform can tell; where it cannot
(Teams), at most once, reported as unconfirmed."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from conversations.delivery_status import delivery_summary
from conversations.memory import InMemoryStore, ManualClock
from conversations.messages import Message
from conversations.ports import Delivered, TransientError
from conversations.records import OutboxItem
from tests.scheduler.world import (
    T0,
    FakePlatform,
    dispatcher,
    programme_world,
    queue,
    rate_limited,
    snapshot,
)

LEASE = timedelta(seconds=30)


class Killed(BaseException):
    """The process dies (not an error the dispatcher may handle)."""


class KilledAfterSend:
    """The outbox, except that the first ``mark_sent`` kills the process: the platform has
    the message, the row is still 'sending'. A dead process writes nothing more: every later
    call raises too (sends still in flight when it died must not mark their rows)."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.killed = False

    def __getattr__(self, name: str) -> Any:
        call = getattr(self.store, name)

        def alive(*args: Any, **kwargs: Any) -> Any:
            if self.killed:
                raise Killed
            if name == "mark_sent":
                self.killed = True
                raise Killed
            return call(*args, **kwargs)

        return alive


def six_rows(store: InMemoryStore, ids: dict[str, int], clock: ManualClock) -> None:
    for i in range(6):
        queue(store, f"k{i}", ids[f"p{i}"], ids["programme"], due=T0 + timedelta(seconds=i))
    clock.set(T0 + timedelta(seconds=10))


async def killed_mid_send(
    store: InMemoryStore, platform: FakePlatform, clock: ManualClock
) -> set[str]:
    """A first dispatcher dies right after the platform took k0; the keys left 'sending'."""
    first = dispatcher(
        store, platform, clock, KilledAfterSend(store), "first", batch_size=4, global_per_second=1
    )
    with pytest.raises(Killed):
        await first.deliver_due()
    at_kill = snapshot(store)
    assert platform.keys().count("k0") == 1  # the platform has it; the row is not marked
    assert at_kill["k0"].status == "sending" and at_kill["k0"].lease_holder == "first"
    assert any(row.status == "claimed" for row in at_kill.values()), "claimed, never tried"
    return {k for k, row in at_kill.items() if row.status == "sending"}


async def test_a_restarted_dispatcher_finds_what_the_dead_one_sent_and_sends_the_rest() -> None:
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock)
    six_rows(store, ids, clock)
    in_window = await killed_mid_send(store, platform, clock)

    restarted = dispatcher(
        store, platform, clock, None, "restarted", batch_size=2, global_per_second=1
    )
    report = await restarted.deliver_due()  # the dead one's leases still hold
    assert report.sent == 2 and report.reconciled == 0
    assert {k for k, r in snapshot(store).items() if r.lease_holder == "first"} >= in_window
    clock.advance(LEASE)
    report = await restarted.deliver_due()
    assert report.reconciled == len(in_window) and report.unconfirmed == 0

    sent = Counter(platform.keys())
    assert set(sent) == {f"k{i}" for i in range(6)} and max(sent.values()) == 1
    rows = snapshot(store)
    assert all(r.status == "sent" and r.lease_holder is None for r in rows.values())
    assert rows["k0"].platform_message_id == "ts-1"  # the message the dead one sent
    assert rows["k0"].platform_channel == f"D{ids['p0']}"
    # Reconciliation looked from when the dead dispatcher's send began.
    assert dict(platform.reconciled)["k0"] == T0 + timedelta(seconds=10)
    with store.transaction() as repo:
        summary = delivery_summary(repo, ids["programme"])
    assert (summary.sent, summary.unconfirmed) == (6, 0)


async def test_a_message_the_platform_never_got_is_sent_after_the_takeover() -> None:
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock)
    queue(store, "lost", ids["p0"])
    (claimed,) = store.claim_due(T0, 1, "dead", LEASE)
    assert store.mark_sending(claimed.id or 0, "dead", T0, LEASE)  # then died before the call

    clock.advance(LEASE)
    report = await dispatcher(store, platform, clock, None, "survivor").deliver_due()
    assert (report.sent, report.resent, report.reconciled) == (1, 1, 0)
    assert platform.keys() == ["lost"]
    assert snapshot(store)["lost"].attempts == 2


async def test_where_the_platform_cannot_tell_a_dead_ones_sends_are_unconfirmed() -> None:
    """Teams: at most once. The rows are failed as unconfirmed, never sent twice, and no
    coordinator note goes out (the platform most likely has them)."""
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock, readable=False)
    six_rows(store, ids, clock)
    in_window = await killed_mid_send(store, platform, clock)

    clock.advance(LEASE)
    restarted = dispatcher(store, platform, clock, None, "restarted", global_per_second=1)
    report = await restarted.deliver_due()
    assert report.unconfirmed == len(in_window) and report.reconciled == 0
    sent = Counter(platform.keys())
    assert max(sent.values()) == 1 and set(sent) == {f"k{i}" for i in range(6)}
    rows = snapshot(store)
    assert rows["k0"].status == "failed" and (rows["k0"].error or "").startswith("unconfirmed")
    assert not [r for r in rows.values() if r.kind == "delivery-failed-coordinator"]
    with store.transaction() as repo:
        summary = delivery_summary(repo, ids["programme"])
    assert (summary.unconfirmed, summary.sent) == (len(in_window), 6 - len(in_window))


async def test_a_timeout_that_reached_the_platform_is_not_sent_again() -> None:
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock, errors={"x": [TransientError("TimeoutError")]}, lands={"x"})
    queue(store, "x", ids["p0"])
    d = dispatcher(store, platform, clock)
    report = await d.deliver_due()
    assert report.retried == 1
    row = snapshot(store)["x"]
    assert (row.status, row.sending_since) == ("pending", T0)  # it may be there
    assert row.next_attempt_at is not None
    clock.set(row.next_attempt_at)
    report = await d.deliver_due()
    assert report.reconciled == 1 and platform.keys() == ["x"]
    assert snapshot(store)["x"].status == "sent"


async def test_a_timeout_that_did_not_reach_the_platform_is_sent_again_once() -> None:
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock, errors={"x": [TransientError("TimeoutError")]})
    queue(store, "x", ids["p0"])
    d = dispatcher(store, platform, clock)
    await d.deliver_due()
    clock.set(snapshot(store)["x"].next_attempt_at or T0)
    report = await d.deliver_due()
    assert (report.sent, report.resent, report.reconciled) == (1, 1, 0)
    assert platform.keys() == ["x"] and [k for k, _ in platform.reconciled] == ["x"]


async def test_after_a_timeout_nothing_else_goes_into_that_chat_until_it_is_settled() -> None:
    """A calendar invitation whose text may be out without its file: the chat's next message
    waits until the invitation is settled, so its file still comes right after it; other
    chats go on."""
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock, errors={"x": [TransientError("TimeoutError")]}, lands={"x"})
    queue(store, "x", ids["p0"])
    queue(store, "y", ids["p0"], due=T0 + timedelta(seconds=1))
    queue(store, "z", ids["p1"], due=T0 + timedelta(seconds=1))
    clock.set(T0 + timedelta(seconds=1))
    d = dispatcher(store, platform, clock)
    report = await d.deliver_due()
    assert platform.keys() == ["x", "z"] and report.released == 1
    rows = snapshot(store)
    assert rows["y"].status == "pending" and rows["x"].next_attempt_at is not None
    clock.set(rows["x"].next_attempt_at)
    report = await d.deliver_due()
    assert report.reconciled == 1 and report.sent == 1
    assert platform.keys() == ["x", "z", "y"]


async def test_where_the_platform_cannot_tell_a_timeout_is_retried_as_before() -> None:
    """Teams after a timeout: sent again (at least once), as it always was."""
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(
        clock, errors={"x": [TransientError("TimeoutError")]}, lands={"x"}, readable=False
    )
    queue(store, "x", ids["p0"])
    d = dispatcher(store, platform, clock)
    await d.deliver_due()
    clock.set(snapshot(store)["x"].next_attempt_at or T0)
    report = await d.deliver_due()
    assert report.sent == 1 and platform.keys() == ["x", "x"]


async def test_a_rate_limited_row_is_retried_without_asking_the_platform() -> None:
    """A 429 means Slack did not take it: nothing to reconcile."""
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock, errors={"x": [rate_limited(60.0)]})
    queue(store, "x", ids["p0"])
    d = dispatcher(store, platform, clock)
    await d.deliver_due()
    row = snapshot(store)["x"]
    assert (row.status, row.sending_since) == ("pending", None)
    clock.set(row.next_attempt_at or T0)
    await d.deliver_due()
    assert platform.keys() == ["x"] and platform.reconciled == []


async def test_a_platform_that_cannot_be_asked_yet_defers_the_row_keeping_it_sending() -> None:
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock)
    queue(store, "x", ids["p0"])
    (claimed,) = store.claim_due(T0, 1, "dead", LEASE)
    assert store.mark_sending(claimed.id or 0, "dead", T0, LEASE)
    clock.advance(LEASE)

    async def refused(item: OutboxItem) -> Any:
        raise rate_limited(20.0)

    platform.reconcile = refused  # type: ignore[method-assign]
    report = await dispatcher(store, platform, clock, None, "survivor").deliver_due()
    assert report.deferred == 1 and platform.keys() == []
    row = snapshot(store)["x"]
    assert (row.status, row.lease_holder, row.sending_since) == ("sending", None, T0)
    assert row.lease_until == clock.now() + timedelta(seconds=20)


async def test_a_platform_refusing_to_be_asked_is_asked_less_and_less_often() -> None:
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = FakePlatform(clock)
    queue(store, "x", ids["p0"])
    (claimed,) = store.claim_due(T0, 1, "dead", LEASE)
    assert store.mark_sending(claimed.id or 0, "dead", T0, LEASE)
    clock.advance(LEASE)

    async def down(item: OutboxItem) -> Any:
        raise TransientError("fatal_error")

    platform.reconcile = down  # type: ignore[method-assign]
    survivor = dispatcher(store, platform, clock, None, "survivor", backoff_base_seconds=10)
    waits = []
    for _ in range(4):
        assert (await survivor.deliver_due()).deferred == 1
        until = snapshot(store)["x"].lease_until
        assert until is not None
        waits.append((until - clock.now()).total_seconds())
        clock.set(until)
    assert all(10 * 2**n * 0.5 <= w < 10 * 2**n for n, w in enumerate(waits))  # 10, 20, 40, 80
    assert platform.keys() == []


class SlowPlatform(FakePlatform):
    """A send that takes as long as the test says: it waits for ``done``."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(clock)
        self.calling = asyncio.Event()
        self.done = asyncio.Event()

    async def send(self, item: OutboxItem, message: Message) -> Delivered:
        self.calling.set()
        await self.done.wait()
        return await super().send(item, message)


class RenewalsSeen:
    """The store's outbox, telling the test (a thread event) when a lease was renewed."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.renewed = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def renew(self, item_ids: Sequence[int], holder: str, until: datetime) -> int:
        kept = self.store.renew(item_ids, holder, until)
        self.renewed.set()
        return kept


async def test_a_live_dispatcher_keeps_its_rows_through_a_slow_send() -> None:
    store, ids = programme_world()
    clock = ManualClock(T0)
    platform = SlowPlatform(clock)
    queue(store, "slow", ids["p0"])
    outbox = RenewalsSeen(store)
    # A lease of 0.3 s: the dispatcher looks at its leases every 0.1 s while the send waits.
    live = dispatcher(store, platform, clock, outbox, "live", lease_seconds=0.3)
    running = asyncio.ensure_future(live.deliver_due())
    await platform.calling.wait()
    for _ in range(3):  # three leases' worth of a slow send
        clock.advance(timedelta(seconds=0.2))
        outbox.renewed.clear()
        assert await asyncio.to_thread(outbox.renewed.wait, 10)
        assert store.claim_due(clock.now(), 10, "other", LEASE) == []
    platform.done.set()
    report = await running
    assert report.sent == 1 and platform.keys() == ["slow"]
    assert snapshot(store)["slow"].status == "sent"
