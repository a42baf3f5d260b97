"""`GET /readyz` and `GET /metrics` as a load balancer and Prometheus meet them."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import Engine, text

from bot.metrics import Metrics
from bot.operations import Operations, Readiness
from bot.server import RunningServer, build_web_app, start
from storage import migrate
from storage.engine import make_engine
from tests.databases import new_database_url


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url = new_database_url(tmp_path, migrated=False)
    engine = make_engine(url)
    yield url, engine
    engine.dispose()


async def serving(operations: Operations) -> RunningServer:
    return await start(build_web_app(operations.routes()), "127.0.0.1", 0)


@pytest.fixture
async def answers() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_a_migrated_database_is_ready_and_an_empty_one_is_not(
    database: tuple[str, Engine], answers: aiohttp.ClientSession
) -> None:
    url, engine = database
    server = await serving(Operations(engine, Metrics()))
    try:
        async with answers.get(f"{server.url}/readyz") as response:
            assert response.status == 503
            assert await response.json() == {
                "status": "unavailable",
                "reason": "schema_missing",
                "head": migrate.head(),
            }
        migrate.upgrade(url)
        async with answers.get(f"{server.url}/readyz") as response:
            assert response.status == 200
            assert await response.json() == {"status": "ready", "revision": migrate.head()}
        async with answers.get(f"{server.url}/healthz") as response:
            assert response.status == 200
    finally:
        await server.stop()


async def test_a_revision_this_code_does_not_know_is_not_ready(
    database: tuple[str, Engine],
) -> None:
    """Newer code migrated the database: this older process must leave the rotation."""
    url, engine = database
    migrate.upgrade(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    found = await Operations(engine, None).readiness()
    assert found == Readiness(
        False,
        {
            "status": "unavailable",
            "reason": "schema_unknown",
            "revision": "9999_from_the_future",
            "head": migrate.head(),
        },
    )


async def test_an_unreachable_database_is_not_ready_and_the_answer_names_no_host() -> None:
    engine = make_engine("postgresql+psycopg://mentor:secret@127.0.0.1:1/mentorbot")
    try:
        found = await Operations(engine, None).readiness()
    finally:
        engine.dispose()
    assert not found.ready
    assert found.body["reason"] == "database_unreachable"
    assert found.body["error"] == "OperationalError"
    assert "127.0.0.1" not in json.dumps(found.body) and "secret" not in json.dumps(found.body)


async def test_a_database_that_does_not_answer_in_time_is_not_ready(
    database: tuple[str, Engine],
) -> None:
    url, engine = database
    migrate.upgrade(url)
    operations = Operations(engine, None, timeout=0.05)
    released = threading.Event()
    real = operations.check

    def hanging() -> Readiness:
        released.wait(timeout=10)  # an explicit event ends it, not a clock
        return real()

    operations.check = hanging  # type: ignore[assignment]
    try:
        found = await operations.readiness()
    finally:
        released.set()
    assert found.body == {"status": "unavailable", "reason": "database_timeout"}


async def test_metrics_are_served_in_prometheus_text_format_unless_turned_off(
    database: tuple[str, Engine], answers: aiohttp.ClientSession
) -> None:
    _, engine = database
    metrics = Metrics()
    metrics.handled("slack", "Command", 0.2)
    on, off = await serving(Operations(engine, metrics)), await serving(Operations(engine, None))
    try:
        async with answers.get(f"{on.url}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain; version=")
            body = await response.text()
        assert 'mentorbot_events_handled_total{kind="Command",platform="slack"} 1.0' in body
        assert 'mentorbot_handler_seconds_bucket{kind="Command",le="0.25",platform="slack"}' in body
        async with answers.get(f"{off.url}/metrics") as response:
            assert response.status == 404
    finally:
        await on.stop()
        await off.stop()
