"""A dispatcher process for the kill tests (``python -m tests.e2e.outbox_worker``): the real
``Dispatcher`` with the real ``SlackDelivery`` (slack-sdk's client) over the real store, against
the fake Slack on loopback. It delivers until the outbox has nothing left to do (no row pending,
claimed or sending), polling between deliveries as the scheduler's tick does, then exits 0.

Every Slack call carries ``X-Caller: <name>`` so that the fake Slack knows which process made
it (and which one to kill). The process is meant to be SIGKILLed at any point.

It starts warm: it imports everything and opens the database, prints ``ready`` and waits for
a line on standard input before it takes any row, so that a test can have a replacement
standing by for the process it kills."""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys

from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import SystemClock
from bot.slack.clients import SlackClients
from bot.slack.delivery import SlackDelivery
from bot.slack.workspaces import Workspaces
from conversations.records import OutboxItem, OutboxStatus
from scheduler.dispatcher import DeliveryLimits, Dispatcher
from storage.store import SqlStore

POLL_SECONDS = 0.02
UNFINISHED = [OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING]


def unfinished(store: SqlStore) -> int:
    with store.transaction() as repo:
        return len(repo.columns(OutboxItem, ["id"], status=UNFINISHED))


async def run(args: argparse.Namespace) -> None:
    store = SqlStore(args.database)
    await asyncio.to_thread(unfinished, store)  # connected
    print("ready", flush=True)  # noqa: T201
    if (await asyncio.to_thread(sys.stdin.readline)).strip() != "go":
        store.close()
        return  # the test ended before it needed this process
    clock = SystemClock()
    client = AsyncWebClient(
        token=args.token, base_url=args.slack, headers={"X-Caller": args.name}, timeout=10
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
        holder=args.name,
        rng=random.Random(args.name),
    )
    try:
        while await asyncio.to_thread(unfinished, store):
            await dispatcher.deliver_due()
            await asyncio.sleep(POLL_SECONDS)  # the next tick
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--slack", required=True, help="the fake Web API's base URL")
    parser.add_argument("--token", required=True)
    parser.add_argument("--name", required=True, help="holder name and X-Caller")
    parser.add_argument("--lease", type=float, default=1.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format=f"{args.name} %(message)s")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
