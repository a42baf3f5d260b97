"""Dispatcher processes for the kill tests (``python -m tests.e2e.outbox_worker``): the real
``Dispatcher`` with the real ``SlackDelivery`` (slack-sdk's client) over the real store, against
the fake Slack on loopback. Each one delivers until the outbox has nothing left to do (no row
pending, claimed or sending), polling between deliveries as the scheduler's tick does, then
exits 0. It is meant to be SIGKILLed at any point.

Starting a Python process that imports all this costs about a second of CPU, too much for a
hundred kills, so this is a *zygote*: it imports everything once, opens nothing (no database
connection, no socket, no thread, no event loop) and then ``os.fork()``s a dispatcher on
request. Each dispatcher is a separate OS process that opens its own database engine and its
own HTTP client after the fork. The protocol, one line each way:

* the zygote prints ``ready`` once it has imported everything;
* ``fork <name>`` on its standard input: it forks a dispatcher named ``name`` (its holder name
  and its ``X-Caller`` header, so that the fake Slack knows which process made a call) and
  prints ``forked <name> <pid>``;
* the dispatcher connects to the database, prints ``waiting <name>`` and waits for SIGUSR1
  (blocked, so none is lost before it waits) before it takes any row: a test keeps one
  standing by for the process it kills, and starts it with ``os.kill(pid, SIGUSR1)``;
* the zygote reaps its children (SIGCHLD wakes it) and prints ``exited <pid> <status>
  <cpu seconds>``: the status as ``os.waitstatus_to_exitcode`` gives it (``-9``: SIGKILL);
* end of its standard input: the zygote SIGKILLs the children still running, reaps them,
  reports them and exits.

A dispatcher writes its log (and anything else it prints) to ``<logs>/<name>.log``. One
whose zygote has gone (and so the test) exits, while it waits or at its next tick; the zygote
kills its children when it ends for any reason."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib
import logging
import os
import random
import selectors
import signal
import sys
import traceback
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import SystemClock
from bot.slack.clients import SlackClients
from bot.slack.delivery import SlackDelivery
from bot.slack.workspaces import Workspaces
from conversations.records import OutboxItem, OutboxStatus
from scheduler.dispatcher import DeliveryLimits, Dispatcher
from storage.engine import database_url
from storage.store import SqlStore

POLL_SECONDS = 0.02
UNFINISHED = [OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING]
GO = signal.SIGUSR1


def unfinished(store: SqlStore) -> int:
    with store.transaction() as repo:
        return len(repo.columns(OutboxItem, ["id"], status=UNFINISHED))


async def deliver(args: argparse.Namespace, name: str, store: SqlStore, zygote: int) -> None:
    """Deliver until the outbox is done (or the zygote, and so the test, has gone)."""
    clock = SystemClock()
    client = AsyncWebClient(
        token=args.token, base_url=args.slack, headers={"X-Caller": name}, timeout=10
    )
    limits = DeliveryLimits(
        global_per_second=1000.0,
        global_burst=50.0,
        per_conversation_seconds=0.0,
        max_attempts=1000,  # kills are not the platform's failures
        backoff_base_seconds=0.05,
        backoff_max_seconds=0.2,
        batch_size=4,
        max_in_flight=8,
        lease_seconds=args.lease,
    )
    delivery = SlackDelivery(SlackClients(client), store, Workspaces(store, clock))
    dispatcher = Dispatcher(
        store,
        delivery,
        clock,
        limits,
        store=store,
        holder=name,
        rng=random.Random(name),
    )
    while os.getppid() == zygote and await asyncio.to_thread(unfinished, store):
        await dispatcher.deliver_due()
        await asyncio.sleep(POLL_SECONDS)  # the next tick


def dispatcher(args: argparse.Namespace, name: str, report: int, zygote: int) -> None:
    """The forked child's life: its own store and clients, made after the fork."""
    store = SqlStore(args.database)
    try:
        unfinished(store)  # connected
        os.write(report, f"waiting {name}\n".encode())
        os.close(report)  # the test reads until every writer has gone
        while signal.sigtimedwait([GO], 1.0) is None:
            if os.getppid() != zygote:
                return  # the zygote is gone: so is the test
        asyncio.run(deliver(args, name, store, zygote))
    finally:
        store.close()


def child(args: argparse.Namespace, name: str, zygote: int, keep: list[int]) -> None:
    """Turn the fresh child into dispatcher ``name``; never returns (``os._exit``)."""
    status = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in keep:
            if fd >= 0:
                os.close(fd)  # the zygote's wake-up pipe and selector
        report = os.dup(1)  # the pipe to the test, for the protocol line only
        log = os.open(Path(args.logs) / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)  # the zygote's commands are not for it
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(null)
        os.close(log)
        logging.basicConfig(level=logging.WARNING, format=f"{name} %(message)s", force=True)
        dispatcher(args, name, report, zygote)
        status = 0
    except BaseException:  # whatever it was, it must not return into the zygote
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def warm(url: str) -> None:
    """Import what the dispatchers would otherwise import on first use, in every child: the
    database's dialect and driver (no engine, no connection), ``asyncio.to_thread``'s pool."""
    dialect = database_url(url).get_dialect()
    dialect.import_dbapi()
    for module in ("concurrent.futures.thread", "queue", "encodings.utf_16_le"):
        importlib.import_module(module)


class Zygote:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.children: set[int] = set()
        self.selector = selectors.DefaultSelector()
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_read, False)
        os.set_blocking(self.wake_write, False)
        signal.set_wakeup_fd(self.wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake the selector
        signal.pthread_sigmask(signal.SIG_BLOCK, [GO])  # inherited: none lost before sigwait
        self.selector.register(0, selectors.EVENT_READ)
        self.selector.register(self.wake_read, selectors.EVENT_READ)

    def say(self, line: str) -> None:
        os.write(1, f"{line}\n".encode())

    def run(self) -> None:
        gc.collect()
        gc.freeze()  # what the children share stays shared (no copies for the collector)
        self.say("ready")
        pending = b""
        while True:
            for key, _ in self.selector.select(timeout=1.0):
                if key.fd == self.wake_read:
                    with contextlib.suppress(BlockingIOError):
                        while os.read(self.wake_read, 512):
                            pass
                    continue
                data = os.read(0, 65536)
                if not data:
                    return  # the test is done
                pending += data
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    self.command(line.decode().split())
            self.reap()

    def command(self, words: list[str]) -> None:
        if len(words) != 2 or words[0] != "fork":
            raise SystemExit(f"zygote: unknown command {words}")
        name = words[1]
        sys.stdout.flush()
        sys.stderr.flush()
        zygote = os.getpid()
        pid = os.fork()
        if pid == 0:
            child(self.args, name, zygote, [self.wake_read, self.wake_write, self.selector_fd])
        self.children.add(pid)
        self.say(f"forked {name} {pid}")

    @property
    def selector_fd(self) -> int:
        fileno = getattr(self.selector, "fileno", None)
        return fileno() if fileno is not None else -1

    def reap(self, block: bool = False) -> None:
        while self.children:
            pid, status, usage = os.wait4(-1, 0 if block else os.WNOHANG)
            if pid == 0:
                return
            self.children.discard(pid)
            cpu = usage.ru_utime + usage.ru_stime
            with contextlib.suppress(BrokenPipeError):  # the test has gone
                self.say(f"exited {pid} {os.waitstatus_to_exitcode(status)} {cpu:.3f}")

    def stop(self) -> None:
        """SIGKILL the children still running and reap them."""
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.reap(block=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--slack", required=True, help="the fake Web API's base URL")
    parser.add_argument("--token", required=True)
    parser.add_argument("--logs", required=True, help="the folder of the dispatchers' logs")
    parser.add_argument("--lease", type=float, default=1.0)
    args = parser.parse_args()
    warm(args.database)
    zygote = Zygote(args)
    try:
        zygote.run()
    finally:  # also when the test has gone and its pipe with it
        zygote.stop()


if __name__ == "__main__":
    main()
