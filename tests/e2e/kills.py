"""SIGKILL a dispatcher at random points, many times, against the fake Slack, and check that
every outbox row was delivered exactly once (tests/e2e/test_slack_exactly_once.py asserts it
with a hundred kills, bench/outbox_kills.py prints the figures).

The outbox holds a few hundred due rows for people and pairs on Slack (some with a calendar
file). One or two dispatcher processes (``tests.e2e.outbox_worker``: the real ``Dispatcher``
and ``SlackDelivery`` over the test's database, SQLite or PostgreSQL) deliver them. A seeded RNG picks, for each process,
after how many of its Slack calls it dies and whether before Slack answers that call (Slack
has done it, the process never learns: for ``chat.postMessage`` exactly the crash window) or
right after; half of the deaths are counted in its ``chat.postMessage`` calls only. The fake
Slack's hook kills it there with a real SIGKILL (``os.kill`` by pid, or its pidfd) and a
replacement, forked earlier and waiting connected, takes its place with a new holder name;
with two dispatchers the other one keeps working meanwhile. Once every kill is spent the
processes run until the outbox is done, and exit. The processes are forked by one warm
zygote (``tests/e2e/zygote.py``), so that a replacement costs milliseconds, not the second
of CPU of a new Python process importing the bot.

Counted afterwards from what Slack kept (each message's metadata names its outbox key) and
from the database: duplicates (a key posted more than once, a file shared twice) and
undelivered rows (not marked sent, not in Slack, a file missing); and how every process
ended (the killed ones by SIGKILL, the others on their own with status 0).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from conversations.messages import File, text
from conversations.records import OutboxItem, Pair, Person
from storage import migrate
from storage.store import SqlStore
from tests.databases import new_database_url
from tests.e2e.conftest import BOT_TOKEN, TEAM, Call, FakeSlack
from tests.e2e.zygote import Child, Zygote
from tests.scheduler.world import add_pair, add_person, add_programme

ICS = File(name="invitation.ics", mime_type="text/calendar", content=b"BEGIN:VCALENDAR\r\n")
PEOPLE = 24
PAIRS = 6


@dataclass(frozen=True)
class Plan:
    dispatchers: int  # 1 or 2 sharing the outbox
    kills: int
    messages: int
    seed: int
    lease_seconds: float = 1.0
    calls_between: tuple[int, int] = (1, 8)  # a process dies after this many of its calls
    # ... or, this share of the time, after 1-4 of its messages: the crash window itself
    posts_share: float = 0.5
    deadline_seconds: float = 300.0  # a safety net: the run fails rather than hangs


@dataclass
class Result:
    kills: int = 0
    kill_points: Counter[str] = field(default_factory=Counter)  # "method before|after"
    processes: int = 0
    seconds: float = 0.0
    posted: int = 0  # messages Slack accepted with an outbox key
    posted_at_last_kill: int = 0  # ... when the last kill fell: the outbox must outlast them
    duplicates: dict[str, int] = field(default_factory=dict)  # key -> times posted
    undelivered: list[str] = field(default_factory=list)  # keys not sent, or not in Slack
    file_problems: list[str] = field(default_factory=list)
    history_reads: int = 0  # conversations.history calls: reconciliations
    exits: list[str] = field(default_factory=list)  # processes that did not end as planned
    cpu_seconds: float = 0.0  # the zygote and its dispatchers
    test_cpu_seconds: float = 0.0  # this process: the fake Slack, the plan

    def summary(self) -> str:
        points = ", ".join(f"{p}: {n}" for p, n in sorted(self.kill_points.items()))
        return (
            f"{self.kills} kills ({points}), {self.processes} processes, "
            f"{self.seconds:.1f} s, CPU {self.cpu_seconds:.1f} s in the processes and "
            f"{self.test_cpu_seconds:.1f} s in the test, "
            f"{self.posted} posted ({self.posted_at_last_kill} by the last kill), "
            f"{self.history_reads} history reads, "
            f"{sum(n - 1 for n in self.duplicates.values())} duplicates, "
            f"{len(self.undelivered)} undelivered, {len(self.file_problems)} file problems, "
            f"{len(self.exits)} processes ended otherwise than planned"
        )


@dataclass
class Slot:
    """One dispatcher's place: the process in it now, and when that one dies."""

    number: int
    process: Child | None = None
    generation: int = 0
    calls: int = 0
    kill_after: int = 0
    kill_before_answer: bool = True
    kill_on: Call | None = None  # the call after whose answer it dies
    counting: str | None = None  # the method whose calls count (None: every call)


class KillRun:
    def __init__(self, fake: FakeSlack, folder: Path, plan: Plan) -> None:
        self.fake = fake
        self.folder = folder
        self.plan = plan
        self.url = new_database_url(folder, "outbox.db", migrated=False)
        self.random = random.Random(plan.seed)
        self.result = Result()
        self.slots = [Slot(n) for n in range(plan.dispatchers)]
        self.spares: list[asyncio.Task[Child]] = []
        self.forks = 0
        self.zygote = Zygote(
            folder,
            [
                *("--database", self.url),
                *("--slack", fake.url + "/api/"),
                *("--token", BOT_TOKEN),
                *("--lease", str(plan.lease_seconds)),
            ],
        )
        self.replacing: list[asyncio.Task[None]] = []
        self.expected: dict[str, OutboxItem] = {}

    # The world -------------------------------------------------------------------------
    def fill(self) -> None:
        migrate.upgrade(self.url)
        store = SqlStore(self.url)
        now = datetime.now(UTC)
        try:
            with store.transaction() as repo:
                slack = {"platform": "slack", "workspace": TEAM}
                kim = add_person(repo, "kim", platform_user_id="UKIM", **slack)
                people = [
                    add_person(repo, f"p{n}", platform_user_id=f"U{n:03d}", **slack)
                    for n in range(PEOPLE)
                ]
                programme = add_programme(repo, kim, date(2026, 1, 5), date(2027, 6, 30))
                pairs = [
                    add_pair(repo, programme, people[2 * n], people[2 * n + 1], now)
                    for n in range(PAIRS)
                ]
                for n in range(self.plan.messages):
                    to = self._recipient(n, people, pairs)
                    message = text(f"message {n}")
                    if n % 10 == 3:
                        message = message.model_copy(update={"files": (ICS,)})
                    repo.enqueue(
                        OutboxItem(
                            key=f"kill:{n}",
                            kind="notice",
                            payload=message.model_dump(mode="json"),
                            due_at=now,
                            created_at=now,
                            programme_id=programme.id,
                            **to,
                        )
                    )
                self.expected = {o.key: o for o in repo.find(OutboxItem)}
        finally:
            store.close()

    def _recipient(self, n: int, people: list[Person], pairs: list[Pair]) -> dict[str, Any]:
        if n % 10 == 7:
            return {"pair_id": pairs[n % len(pairs)].id}
        return {"person_id": people[self.random.randrange(len(people))].id}

    # Processes -------------------------------------------------------------------------
    def _new_spare(self) -> None:
        self.forks += 1
        self.spares.append(asyncio.ensure_future(self.zygote.fork(f"dispatcher{self.forks}")))

    async def _start(self, slot: Slot) -> None:
        """The oldest spare takes ``slot``; a new spare starts warming up."""
        spare = self.spares.pop(0)
        self._new_spare()
        process = await spare
        slot.process = process
        slot.generation += 1
        slot.calls = 0
        low, high = self.plan.calls_between
        slot.counting = "chat.postMessage" if self.random.random() < self.plan.posts_share else None
        slot.kill_after = (
            self.random.randint(1, 4) if slot.counting else self.random.randint(low, high)
        )
        slot.kill_before_answer = self.random.random() < 0.5
        slot.kill_on = None
        self.zygote.go(process)
        self.result.processes += 1

    # The kills -------------------------------------------------------------------------
    def _slot_of(self, call: Call) -> Slot | None:
        for slot in self.slots:
            if slot.process is not None and slot.process.name == call.caller:
                return slot
        return None

    async def _before_answer(self, call: Call) -> None:
        slot = self._slot_of(call)
        if slot is None or self.result.kills >= self.plan.kills:
            return
        if slot.counting not in (None, call.method):
            return
        slot.calls += 1
        if slot.calls != slot.kill_after:
            return
        if slot.kill_before_answer:
            self._kill(slot, f"{call.method} before answer")
        else:
            slot.kill_on = call

    async def _after_answer(self, call: Call) -> None:
        slot = self._slot_of(call)
        if slot is not None and slot.kill_on is call and self.result.kills < self.plan.kills:
            self._kill(slot, f"{call.method} after answer")

    def _kill(self, slot: Slot, point: str) -> None:
        assert slot.process is not None
        try:
            self.zygote.kill(slot.process)
        except ProcessLookupError:
            return  # it had just finished the outbox and exited: no death to count
        slot.process = None
        self.result.kills += 1
        self.result.kill_points[point] += 1
        self.result.posted_at_last_kill = sum(self.fake.posted_keys().values())
        self.replacing.append(asyncio.ensure_future(self._start(slot)))

    # The run ---------------------------------------------------------------------------
    async def run(self) -> Result:
        self.fill()
        started = time.monotonic()
        cpu = time.process_time()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.fake.before_answer = self._before_answer
        self.fake.after_answer = self._after_answer
        try:
            await self.zygote.start()
            for _ in range(len(self.slots) + 1):
                self._new_spare()
            for slot in self.slots:
                await self._start(slot)
            await asyncio.wait_for(self._finish(), self.plan.deadline_seconds)
        finally:
            self.fake.before_answer = self.fake.after_answer = None
            await self._stop_all()
        self.result.seconds = time.monotonic() - started
        self.result.test_cpu_seconds = time.process_time() - cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the zygote's, reaped
        self.result.cpu_seconds = (after.ru_utime + after.ru_stime) - (
            children.ru_utime + children.ru_stime
        )
        self._count()
        return self.result

    async def _finish(self) -> None:
        """Until every kill is spent and the processes then running have exited."""
        while True:
            while self.replacing:
                await self.replacing.pop(0)
            running = [s.process for s in self.slots if s.process is not None]
            await asyncio.gather(*(p.exited for p in running))
            if not self.replacing:
                return  # nobody was killed while we waited: the outbox is done

    async def _stop_all(self) -> None:
        """Let spares and replacements finish starting, then end the zygote: it kills every
        process still running and reaps them all."""
        starting = asyncio.gather(*self.replacing, *self.spares, return_exceptions=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(starting, 120)
        await self.zygote.stop()

    # What came of it -------------------------------------------------------------------
    def _count(self) -> None:
        result = self.result
        posted = self.fake.posted_keys()
        result.posted = sum(posted.values())
        result.duplicates = {key: n for key, n in posted.items() if n > 1}
        result.history_reads = len(self.fake.of("conversations.history"))
        for child in self.zygote.children.values():
            if not child.started:
                continue
            status = child.exited.result() if child.exited.done() else None
            if status != (-9 if child.killed else 0):
                planned = "SIGKILLed" if child.killed else "finished"
                result.exits.append(f"{child.name} ({planned}): exit status {status}")
        store = SqlStore(self.url)
        try:
            with store.transaction() as repo:
                rows = {o.key: o for o in repo.find(OutboxItem)}
        finally:
            store.close()
        for key, expected in sorted(self.expected.items()):
            row = rows[key]
            if row.status != "sent" or posted[key] == 0:
                result.undelivered.append(f"{key}: {row.status} {row.error or ''}".strip())
                continue
            channel = row.platform_channel or ""
            ts = row.platform_message_id or ""
            if self._key_at(channel, ts) != key:
                result.undelivered.append(f"{key}: marked with {channel} {ts}, not its message")
            if expected.payload.get("files"):
                files = self.fake.history.files_after(channel, ts)
                if files != [ICS.name]:
                    result.file_problems.append(f"{key}: files {files}")

    def _key_at(self, channel: str, ts: str) -> str | None:
        for message in self.fake.history.messages.get(channel, []):
            if message["ts"] == ts:
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                return payload.get("outbox_key")
        return None
